import { useState, type FormEvent } from 'react';
import type { SyncProgress } from 'offline-sync';
import { ProgressBar } from './ProgressBar';
import { useLiveQuery } from 'offline-sync';

export interface Course {
  id: string;
  title: string;
  description: string;
  level: string;
}

interface Lesson {
  courseId: string;
  position: number;
  title: string;
}

interface Props {
  course: Course;
  offline: boolean;
  onRename: (id: string, title: string) => Promise<void>;
  onDownload: (id: string, onProgress: (p: SyncProgress) => void) => Promise<void>;
}

export function CourseCard({ course, offline, onRename, onDownload }: Props) {
  // This course's lessons, live (a download or a pull fills them in).
  const lessons = useLiveQuery<Lesson>('lesson', { where: { courseId: course.id }, orderBy: 'position' });
  const [draft, setDraft] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [progress, setProgress] = useState<SyncProgress | null>(null);

  const run = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  const save = (e: FormEvent) => {
    e.preventDefault();
    const title = draft?.trim();
    if (!title) return;
    void run(async () => {
      await onRename(course.id, title);
      setDraft(null);
    });
  };

  return (
    <article className="card" data-testid={`course-${course.id}`}>
      <div className="card-top">
        {course.level && <span className={`level ${course.level}`}>{course.level}</span>}
        <span className="muted" data-testid="lessons">{lessons.data?.length ?? 0} lessons</span>
      </div>
      {draft === null ? (
        <h2 className="title" data-testid="title">
          {course.title}
        </h2>
      ) : (
        <form onSubmit={save} className="edit">
          <input value={draft} onChange={(e) => setDraft(e.target.value)} autoFocus aria-label="Course title" />
          <button type="submit" className="primary" disabled={busy}>Save</button>
          <button type="button" onClick={() => setDraft(null)}>Cancel</button>
        </form>
      )}
      <p className="desc">{course.description}</p>
      {error && <p className="error">{error}</p>}
      <ProgressBar progress={progress} testid="download-progress" />
      <div className="actions">
        {draft === null && (
          <button onClick={() => setDraft(course.title)} data-testid="edit">Edit title</button>
        )}
        {offline ? (
          <span className="saved" data-testid="offline-ready">✓ Available offline</span>
        ) : (
          <button
            onClick={() => run(() => onDownload(course.id, setProgress).finally(() => setProgress(null)))}
            disabled={busy}
            data-testid="download"
          >
            Download for offline
          </button>
        )}
      </div>
    </article>
  );
}
