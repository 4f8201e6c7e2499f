import { useCallback, useEffect, useState } from 'react';
import { getSyncEngine, useOfflineSync, type EntityData, type SyncProgress, type SyncResult } from 'offline-sync';
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
  const [courses, setCourses] = useState<Course[] | null>(null);
  const [lessons, setLessons] = useState<Record<string, number>>({});
  const [offline, setOffline] = useState<Set<string>>(new Set());
  const [edits, setEdits] = useState(0);

  // Reads the local store again after each sync and each local change.
  useEffect(() => {
    let live = true;
    const engine = getSyncEngine();
    Promise.all([engine.list('course'), engine.list('lesson'), engine.offlineCourses()]).then(([c, l, o]) => {
      if (!live) return;
      setCourses(c.map(asCourse).sort((a, b) => a.id.localeCompare(b.id, undefined, { numeric: true })));
      const perCourse: Record<string, number> = {};
      for (const lesson of l) perCourse[String(lesson.courseId)] = (perCourse[String(lesson.courseId)] ?? 0) + 1;
      setLessons(perCourse);
      setOffline(new Set(o.map((x) => x.courseId)));
    });
    return () => {
      live = false;
    };
  }, [status.syncCount, status.pendingCount, status.conflictCount, edits]);

  const rename = useCallback(async (id: string, title: string) => {
    await getSyncEngine().queueMutation('UPDATE', 'course', id, { title });
    setEdits((n) => n + 1);
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
            lessons={lessons[c.id] ?? 0}
            offline={offline.has(c.id)}
            onRename={rename}
            onDownload={download}
          />
        ))}
      </main>
    </div>
  );
}
