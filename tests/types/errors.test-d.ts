// The error an app catches, as its TypeScript sees it (tsc --noEmit -p tests/types):
// `isOfflineSyncError` narrows an unknown to `OfflineSyncError`, whose `kind` is
// exactly `SyncErrorKind`, from both entry points; no `(e as any).kind`.
import { isOfflineSyncError, type OfflineSyncError, type SyncErrorKind } from '../../dist/offline-sync/index.js';
import * as core from '../../dist/offline-sync/core.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
declare function expectTrue<T extends true>(): void;

expectTrue<Equal<OfflineSyncError['kind'], SyncErrorKind>>();
expectTrue<Equal<SyncErrorKind, 'network' | 'server' | 'rejected' | 'auth' | 'protocol' | 'storage' | 'input'>>();
expectTrue<Equal<typeof core.isOfflineSyncError, typeof isOfflineSyncError>>();

export function handle(e: unknown): SyncErrorKind | null {
  // @ts-expect-error: an unknown has no `kind` until the guard says so
  void e.kind;
  if (isOfflineSyncError(e)) {
    const err: Error = e; // still an Error: message, name, stack
    void err.message;
    switch (e.kind) {
      case 'network':
      case 'server':
      case 'rejected':
      case 'auth':
      case 'protocol':
      case 'storage':
      case 'input':
        return e.kind;
      default: {
        const exhaustive: never = e.kind;
        return exhaustive;
      }
    }
  }
  return null;
}
