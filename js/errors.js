// The error an app catches from offline-sync (internal module: ./core and the
// package's root export isOfflineSyncError). The engine rejects with a JS `Error`
// named `OfflineSyncError`, or a `TypeError` for bad input, that carries `kind`
// (src/failure.rs `to_js`; the names are core/src/error.rs `ErrorKind::name`).

/** Every `SyncErrorKind`, in the order of core/src/error.rs (not exported by the
 * entry points; e2e/errors.test.mjs checks it against the engine's names). */
export const SYNC_ERROR_KINDS = Object.freeze(['network', 'server', 'rejected', 'auth', 'protocol', 'storage', 'input']);

/**
 * Whether `e` is an error of offline-sync: an `Error` (of this realm or another)
 * whose `kind` is one of SYNC_ERROR_KINDS. Lets an app write `e.kind` without a cast.
 */
export function isOfflineSyncError(e) {
  return Object.prototype.toString.call(e) === '[object Error]' && SYNC_ERROR_KINDS.includes(e.kind);
}
