// Conflict policies as an app declares and reads them (docs/conflicts.md): the
// declaration's shapes, the merge function's arguments, the hook's option, the
// status field. `@ts-expect-error` lines fail the test when they start compiling.
import { initOfflineSync, getSyncEngine, OfflineSync } from '../../dist/offline-sync/core.js';
import type { Conflict, ConflictPolicy, MergeFunction } from '../../dist/offline-sync/core.js';

interface Progress {
  [key: string]: unknown;
  position: number;
  completed: string[];
}

const mergeProgress: MergeFunction<Progress> = (local, server, base) => ({
  position: Math.max(local?.position ?? 0, server?.position ?? 0, base?.position ?? 0),
  completed: [...new Set([...(local?.completed ?? []), ...(server?.completed ?? [])])],
});
const progress: ConflictPolicy<Progress> = { merge: mergeProgress };

void initOfflineSync({ conflicts: { lesson: 'clientWins', note: 'manual', quiz: 'serverWins', progress } });
// @ts-expect-error not a policy
void initOfflineSync({ conflicts: { lesson: 'clientWin' } });
// @ts-expect-error a merge is a function
void initOfflineSync({ conflicts: { progress: { merge: 1 } } });

const c = new OfflineSync({ onConflict: (x: Conflict) => void x.resolution });
const count: number = c.getSnapshot().status.conflictCount;
void count;

async function resolve(): Promise<void> {
  const engine = getSyncEngine();
  const [first] = await engine.conflicts();
  if (!first || first.resolution !== null) return;
  const mid: string | null = await engine.resolveConflict(first.mutationId, 'local');
  await engine.resolveConflict(first.mutationId, { ...first.server?.data, title: 'both' });
  // @ts-expect-error a choice is 'local', 'server' or the data
  await engine.resolveConflict(first.mutationId, 'mine');
  const dropped: boolean = await engine.dismissConflict(first.mutationId);
  void mid;
  void dropped;
}
void resolve;
