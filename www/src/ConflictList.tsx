import { useEffect, useState } from 'react';
import { getSyncEngine, type Conflict } from 'offline-sync';

/** "Needs your attention": the conflicts held for the person (policy `manual`). */
export function ConflictList({ count, onResolved }: { count: number; onResolved: () => void }) {
  const [held, setHeld] = useState<Conflict[]>([]);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    getSyncEngine()
      .conflicts()
      .then((all) => live && setHeld(all.filter((c) => c.resolution === null)));
    return () => {
      live = false;
    };
  }, [count]);

  const resolve = async (c: Conflict, choice: 'local' | 'server') => {
    setError(null);
    try {
      await getSyncEngine().resolveConflict(c.mutationId, choice);
      setHeld((h) => h.filter((x) => x.mutationId !== c.mutationId));
      onResolved();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };

  if (held.length === 0) return null;
  const title = (d: unknown) =>
    d && typeof d === 'object' && 'title' in d ? String((d as { title: unknown }).title) : '(deleted)';
  return (
    <section className="conflicts" aria-label="Changes that need your attention" data-testid="conflicts">
      <h2>
        {held.length} {held.length === 1 ? 'change needs' : 'changes need'} your attention
      </h2>
      {error && <p className="error">{error}</p>}
      <ul>
        {held.map((c) => (
          <li key={c.mutationId} data-testid={`conflict-${c.entityId}`}>
            <span>
              {c.entityType} <b>{c.entityId}</b> was changed on another device: yours “{title(c.local)}”, theirs “
              {title(c.server?.data)}”
            </span>
            <button className="primary" onClick={() => resolve(c, 'local')} data-testid="keep-mine">
              Keep mine
            </button>
            <button onClick={() => resolve(c, 'server')} data-testid="keep-theirs">
              Keep theirs
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
