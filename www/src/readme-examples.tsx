// The old module's README examples, verbatim but for the import path: not part of
// the demo, only type-checked (`npm run typecheck`), to hold the package's types
// to the old API. e2e/fresh-app runs the same examples in the browser.
import { useOfflineSync, initOfflineSync, getSyncEngine } from 'offline-sync';
import { OfflineSync, isReady, ready } from 'offline-sync/core';
import type { QueueEntry, SyncEngineApi, SyncResult, SyncStatus } from 'offline-sync/core';

export function MyComponent() {
  const { status, isOnline, performSync } = useOfflineSync({
    autoSyncInterval: 60000, // 1 minute
    syncOnOnline: true,
    syncOnMount: true,
  });

  return (
    <div>
      <p>Status: {isOnline ? 'Online' : 'Offline'}</p>
      {status.isRunning && <p>Syncing...</p>}
      <button onClick={performSync}>Sync Now</button>
    </div>
  );
}

export function WithCallbacks() {
  const { status } = useOfflineSync({
    onSyncStart: () => console.log('Sync started'),
    onSyncComplete: (result) => {
      if (result.success) {
        console.log('Sync completed successfully');
      } else {
        console.error('Sync failed:', result.error);
      }
    },
  });
  return <p>{status.syncCount} syncs</p>;
}

export function ManualControl() {
  const { performSync, startAutoSync, stopAutoSync } = useOfflineSync({
    autoSyncInterval: 0, // Disable auto-sync
  });

  const onClick = async () => {
    // Trigger sync manually
    await performSync();

    // Start/stop auto-sync
    startAutoSync();
    stopAutoSync();
  };
  return <button onClick={onClick}>Sync</button>;
}

export async function startup() {
  // Initialize during app startup
  await initOfflineSync();
}

export async function engine() {
  const syncEngine = getSyncEngine();

  // Perform full sync
  await syncEngine.fullSync();

  // Download specific course
  await syncEngine.downloadCourse('course-id');

  // Queue mutation for later
  await syncEngine.queueMutation('UPDATE', 'course', 'course-id', { title: 'New Title' });
}

// The status fields the old README documents, with their types.
export function statusFields(s: ReturnType<typeof useOfflineSync>['status']) {
  const isRunning: boolean = s.isRunning;
  const lastSyncAt: number | null = s.lastSyncAt;
  const nextSyncAt: number | null = s.nextSyncAt;
  const error: string | null = s.error;
  const syncCount: number = s.syncCount;
  return { isRunning, lastSyncAt, nextSyncAt, error, syncCount };
}

// And what the types refuse.
export function useWrongOptions() {
  // @ts-expect-error autoSyncInterval is a number of ms
  useOfflineSync({ autoSyncInterval: '60000' });
  // @ts-expect-error onSyncComplete receives a SyncResult, not a string
  useOfflineSync({ onSyncComplete: (r: string) => r });
  // @ts-expect-error the mutation types are CREATE, UPDATE and DELETE
  void getSyncEngine().queueMutation('PATCH', 'course', 'c1', {});
}

// docs/usage.md "Without React".
export async function withoutReact(render: (s: SyncStatus, online: boolean) => void) {
  const sync = new OfflineSync({ autoSyncInterval: 30000, onSyncComplete: (r) => console.log(r) });
  const unsubscribe = sync.subscribe(() => {
    const { status, isOnline } = sync.getSnapshot(); // the same object until something changed
    render(status, isOnline);
  });
  const result: SyncResult = await sync.performSync();
  unsubscribe();
  sync.setOptions({ autoSyncInterval: 0 });
  sync.dispose();
  const engine: SyncEngineApi = getSyncEngine();
  const entries: QueueEntry[] = await engine.failed();
  await engine.retryFailed(entries.map((e) => e.mutationId));
  await ready();
  return result.success && isReady();
}
