import type { SyncProgress } from 'offline-sync';

/**
 * How far a long sync or download has come: a bar towards the total when the
 * server said it, an indeterminate one when it did not, and the count either way.
 */
export function ProgressBar({ progress, testid }: { progress: SyncProgress | null; testid: string }) {
  if (!progress) return null;
  const { phase, loaded, total } = progress;
  const verb = phase === 'push' ? 'Sending' : 'Downloading';
  return (
    <div className="progress" data-testid={testid} data-loaded={loaded} data-total={total ?? ''}>
      {total === null ? <progress /> : <progress value={loaded} max={Math.max(total, 1)} />}
      <span className="muted">
        {verb} {loaded}
        {total === null ? '' : ` of ${total}`} changes
      </span>
    </div>
  );
}
