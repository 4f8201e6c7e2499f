import { useEffect, useState } from 'react';
import type { SyncResult, SyncStatus } from 'offline-sync';

/** Re-renders every second, for the relative times. */
function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  return now;
}

function ago(t: number | null, now: number): string {
  if (t === null) return 'never';
  const s = Math.max(0, Math.round((now - t) / 1000));
  return s < 60 ? `${s}s ago` : `${Math.round(s / 60)} min ago`;
}

function until(t: number | null, now: number): string {
  if (t === null) return 'off';
  const s = Math.max(0, Math.round((t - now) / 1000));
  return s < 60 ? `in ${s}s` : `in ${Math.round(s / 60)} min`;
}

export function StatusPanel({ status, lastResult }: { status: SyncStatus; lastResult: SyncResult | null }) {
  const now = useNow();
  const items: [string, string, string][] = [
    ['state', 'Sync', status.isRunning ? 'Syncing…' : 'Idle'],
    ['last-sync', 'Last sync', ago(status.lastSyncAt, now)],
    ['next-sync', 'Next sync', until(status.nextSyncAt, now)],
    ['sync-count', 'Syncs', String(status.syncCount)],
    ['pending', 'Pending changes', String(status.pendingCount)],
    ['failed', 'Failed changes', String(status.failedCount)],
  ];
  return (
    <section className="status" aria-label="Sync status">
      {items.map(([id, label, value]) => (
        <div key={id} className="stat">
          <span className="label">{label}</span>
          <span className="value" data-testid={id}>
            {value}
          </span>
        </div>
      ))}
      <p className={`last ${status.error ? 'error' : ''}`} data-testid="error">
        {status.error
          ? `Last sync failed: ${status.error}`
          : lastResult
            ? `Last sync: ${lastResult.pushed} pushed, ${lastResult.pulled} pulled in ${Math.round(lastResult.durationMs)} ms`
            : 'No sync yet in this tab'}
      </p>
    </section>
  );
}
