// An ordinary app using offline-sync: no vite.config, no plugin. The components
// are the old module's README examples, unchanged but for the import path.
import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import {
  useOfflineSync, initOfflineSync, getSyncEngine, createOfflineSync, OfflineSyncProvider, useSyncEngine,
  useLiveQuery, useEntity,
} from 'offline-sync';

declare global {
  interface Window {
    events: string[];
    engineDemo: () => Promise<unknown>;
    unmount: () => void;
    pendingCounts: () => Promise<number[]>;
    lessonRenders: number;
    getOfflineSyncEngine: typeof getSyncEngine;
  }
}
window.events = [];

// README "Basic Usage"
function MyComponent() {
  const { status, isOnline, performSync } = useOfflineSync({
    autoSyncInterval: 60000, // 1 minute
    syncOnOnline: true,
    syncOnMount: true,
  });

  return (
    <div className="basic">
      <p>Status: {isOnline ? 'Online' : 'Offline'}</p>
      {status.isRunning && <p>Syncing...</p>}
      <p className="count">{status.syncCount}</p>
      <button onClick={performSync}>Sync Now</button>
    </div>
  );
}

// README "With Callbacks"
function WithCallbacks() {
  const { status } = useOfflineSync({
    onSyncStart: () => window.events.push('start'),
    onSyncComplete: (result) => {
      if (result.success) {
        window.events.push('complete');
      } else {
        window.events.push('failed: ' + result.error);
      }
    },
  });
  return <p className="callbacks">{status.syncCount} <span className="error">{status.error}</span></p>;
}

// README "Manual Sync Control"
function Manual() {
  const [renders, setRenders] = useState(0);
  const { performSync, startAutoSync, stopAutoSync } = useOfflineSync({
    autoSyncInterval: 0, // Disable auto-sync
    syncOnMount: false,
    // a new callback each render: the latest one is called
    onSyncComplete: () => window.events.push('callback of render ' + renders),
  });
  useEffect(() => {
    startAutoSync();
    stopAutoSync();
  }, [startAutoSync, stopAutoSync]);
  const run = async () => {
    // Trigger sync manually
    const r = await performSync();
    window.events.push('manual ' + r.success);
  };
  return (
    <>
      <button id="manual" onClick={run}>Manual sync</button>
      <button id="rerender" onClick={() => setRenders((n) => n + 1)}>{renders}</button>
    </>
  );
}

// README "Live queries": a course's lessons, kept current; one lesson by id.
interface Lesson {
  courseId: string;
  position: number;
  title: string;
}
window.lessonRenders = 0;
window.getOfflineSyncEngine = getSyncEngine;
function Lessons() {
  const { data, isLoading, error } = useLiveQuery<Lesson>('lesson', {
    where: { courseId: 'c1' },
    orderBy: 'position',
  });
  const first = useEntity<Lesson>('lesson', 'l1');
  window.lessonRenders++;
  if (error) return <p className="lessons-error">{error.message}</p>;
  if (isLoading) return <p className="lessons-loading">Loading…</p>;
  return (
    <div className="lessons">
      <ul>{data!.map((l) => <li key={l.position}>{l.title}</li>)}</ul>
      <p className="lesson-one">{first.data?.title ?? 'none'}</p>
    </div>
  );
}

// README "Sync Engine"
window.engineDemo = async () => {
  const syncEngine = getSyncEngine();
  const sync = await syncEngine.fullSync();
  const download = await syncEngine.downloadCourse('course-1');
  const queued = await syncEngine.queueMutation('UPDATE', 'course', 'course-1', { title: 'New Title' });
  return { sync, download: download === undefined, queued: typeof queued, course: await syncEngine.get('course', 'course-1') };
};

// A second account in the same page: a client of its own under a provider.
function AdminStatus() {
  const { status } = useOfflineSync({ autoSyncInterval: 0, syncOnMount: false, pushDelayMs: 0 });
  const engine = useSyncEngine();
  const edit = () => engine.queueMutation('CREATE', 'course', 'admin-1', { title: 'Admin' });
  return (
    <p className="admin">
      <span className="pending">{status.pendingCount}</span>
      <button id="admin-edit" onClick={edit}>Edit as admin</button>
    </p>
  );
}

async function main() {
  const query = new URLSearchParams(location.search);
  const options = { apiBaseUrl: query.get('api') ?? '/api', getAuthToken: () => 'dev-demo', namespace: 'fresh' };
  const admin = createOfflineSync({ ...options, getAuthToken: () => 'dev-admin', namespace: 'fresh-admin' });
  window.pendingCounts = async () => [await getSyncEngine().pendingCount(), await admin.engine.pendingCount()];
  const root = createRoot(document.getElementById('root')!);
  window.unmount = () => root.unmount();
  const render = () =>
    root.render(
      <StrictMode>
        <MyComponent />
        <MyComponent />
        <MyComponent />
        <WithCallbacks />
        <Manual />
        <OfflineSyncProvider client={admin}>
          <AdminStatus />
        </OfflineSyncProvider>
        <Lessons />
      </StrictMode>,
    );
  if (query.has('lazy')) {
    // Render first: the hooks show the default status until the wasm is loaded.
    render();
    initOfflineSync(options).catch((e) => window.events.push('init failed: ' + e.message));
  } else {
    // README "Initialize Background Sync" (here with the app's server)
    await initOfflineSync(options);
    render();
  }
}
main();
