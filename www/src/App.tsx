import { useCallback, useEffect, useMemo, useState } from 'react';
import {
  getSyncEngine, useLiveQuery, useOfflineSync, type EntityData, type SyncProgress, type SyncResult,
} from 'offline-sync';
import { CourseCard, type Course } from './CourseCard';
import { ProgressBar } from './ProgressBar';
import { StatusPanel } from './StatusPanel';
import { ConflictList } from './ConflictList';

const asCourse = (d: EntityData): Course => ({
  id: String(d.id),
  title: typeof d.title === 'string' ? d.title : '(untitled)',
  description: typeof d.description === 'string' ? d.description : '',
  level: typeof d.level === 'string' ? d.level : '',
});

export function App({
  apiBaseUrl,
  user,
  autoSyncInterval = 30000,
  pushDelayMs = 250,
}: {
  apiBaseUrl: string;
  user: string;
  autoSyncInterval?: number;
  /** How soon a local change is pushed; 0: only by the interval, a trigger or Sync now. */
  pushDelayMs?: number;
}) {
  const [lastResult, setLastResult] = useState<SyncResult | null>(null);
  const { status, isOnline, performSync } = useOfflineSync({
    autoSyncInterval,
    pushDelayMs,
    syncOnOnline: true,
    syncOnVisibility: true,
    syncOnMount: true,
    onSyncComplete: setLastResult,
  });
  // The courses, kept current by a live query: a local edit, a pull, another tab or
  // the service worker's background sync re-render this list, with no refetching here.
  const live = useLiveQuery('course');
  const courses = useMemo(
    () => live.data?.map(asCourse).sort((a, b) => a.id.localeCompare(b.id, undefined, { numeric: true })) ?? null,
    [live.data],
  );
  const [offline, setOffline] = useState<Set<string>>(new Set());
  const [edits, setEdits] = useState(0);

  // Downloaded courses are not entities: read again after each sync and download.
  useEffect(() => {
    let current = true;
    getSyncEngine()
      .offlineCourses()
      .then((o) => current && setOffline(new Set(o.map((x) => x.courseId))));
    return () => {
      current = false;
    };
  }, [status.syncCount, edits]);

  const rename = useCallback(async (id: string, title: string) => {
    await getSyncEngine().queueMutation('UPDATE', 'course', id, { title });
  }, []);
  const download = useCallback(async (id: string, onProgress: (p: SyncProgress) => void) => {
    await getSyncEngine().downloadCourse(id, { onProgress });
    setEdits((n) => n + 1);
  }, []);

  return (
    <div className="app">
      <header>
        <div>
          <h1>Courses</h1>
          <p className="sub">
            offline-sync demo · signed in as <b>{user}</b> · {apiBaseUrl}
          </p>
        </div>
        <span className={`pill ${isOnline ? 'online' : 'offline'}`} data-testid="online">
          {isOnline ? 'Online' : 'Offline'}
        </span>
        <button className="primary" onClick={performSync} disabled={status.isRunning} data-testid="sync-now">
          {status.isRunning ? 'Syncing…' : 'Sync Now'}
        </button>
      </header>
      <StatusPanel status={status} lastResult={lastResult} />
      <ConflictList count={status.conflictCount} onResolved={() => setEdits((n) => n + 1)} />
      {/* A first sync of a large account, or a long queue going out. */}
      <ProgressBar progress={status.progress} testid="sync-progress" />
      <main className="grid" data-testid="courses">
        {courses === null && <p className="muted">Opening the local store…</p>}
        {courses?.length === 0 && <p className="muted">No courses stored locally yet: sync to fetch them.</p>}
        {courses?.map((c) => (
          <CourseCard
            key={c.id}
            course={c}
            offline={offline.has(c.id)}
            onRename={rename}
            onDownload={download}
          />
        ))}
      </main>
    </div>
  );
}
