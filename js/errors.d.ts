// The error an app catches from offline-sync.
import type { SyncErrorKind } from './wasm/offline_sync.js';

/**
 * What offline-sync's promises reject with (the engine's methods,
 * `initOfflineSync`, `installOfflineSync`): a JS `Error` named
 * `OfflineSyncError`, or a `TypeError` when the app passed something invalid
 * (`kind: 'input'`). `kind` says what happened and what to do (see
 * `SyncErrorKind`); a failed sync resolves instead, with the same kind in
 * `SyncResult.errorKind`.
 */
export interface OfflineSyncError extends Error {
  readonly kind: SyncErrorKind;
}

/** Every `SyncErrorKind`, in the order of the engine's `ErrorKind` (internal). */
export const SYNC_ERROR_KINDS: readonly SyncErrorKind[];

/**
 * Whether `e` is an error of offline-sync, narrowing it so that `e.kind` needs
 * no cast:
 *
 * ```ts
 * try { await getSyncEngine().put('course', id, data); }
 * catch (e) { if (isOfflineSyncError(e) && e.kind === 'storage') showQuotaHint(); else throw e; }
 * ```
 */
export function isOfflineSyncError(e: unknown): e is OfflineSyncError;
