// The demo's conflict policies (docs/conflicts.md), one module for the page
// (main.tsx) and the service worker (sw.js): the worker cannot receive a function
// from the page, so both import the same declaration, merge functions included.
// Plain JS, so the worker (plain JS, see sw.js) imports it as is.

/**
 * The learning platform's progress from two devices: the furthest position and
 * every completed lesson of either, nothing lost.
 * @param {Record<string, unknown> | null} local
 * @param {Record<string, unknown> | null} server
 */
export function mergeProgress(local, server) {
  const list = (p) => (p && Array.isArray(p.completed) ? p.completed : []);
  const pos = (p) => (p && typeof p.position === 'number' ? p.position : 0);
  return {
    ...(server ?? {}),
    ...(local ?? {}),
    position: Math.max(pos(local), pos(server)),
    completed: [...new Set([...list(server), ...list(local)])],
  };
}

export const conflicts = {
  // A course title edited on two devices: the person chooses ("needs your attention").
  course: 'manual',
  progress: { merge: mergeProgress },
};
