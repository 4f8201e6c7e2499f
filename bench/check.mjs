// What makes a run fail (the smoke run's only assertion; no timing).

import { IMPLS, NAMES } from './options.mjs';

/** The run's failures and its missing figures; empty when every workload produced numbers. */
export function runProblems(o, summary, sz, errors) {
  const problems = [...errors];
  const need = (what, st) => {
    for (const i of IMPLS) if (!st[i] || !Number.isFinite(st[i].median)) problems.push(`${what}: no figure for ${NAMES[i]}`);
  };
  if (o.only.has('pull')) {
    for (const n of o.sizes) {
      need(`pull ${n} time`, summary.pull[n].ms);
      need(`pull ${n} heap`, summary.pull[n].heapPeak);
    }
  }
  if (o.only.has('push')) need('push time', summary.push.ms);
  if (o.only.has('queue')) need('queueMutation p50', summary.queue.p50);
  if (o.only.has('queue')) need('queueMutation p99', summary.queue.p99);
  if (o.only.has('startup')) need('start-up', summary.startup.ms);
  if (o.only.has('throttled')) {
    const t = summary.throttled;
    if (!t || !Number.isFinite(t.ms.gzip?.median) || !Number.isFinite(t.ms.plain?.median)) problems.push('throttled pull: no time');
    if (!t || !(t.bytes.gzip?.median > 0) || !(t.bytes.plain?.median > 0)) problems.push('throttled pull: no bytes');
  }
  if (o.only.has('live')) need('live query p50', summary.live.p50);
  if (o.only.has('live')) {
    for (const impl of ['wasm', 'dexie']) {
      if (!Number.isFinite(summary.liveTabs.p50?.[impl]?.median)) problems.push(`live query across tabs: no figure for ${impl}`);
    }
  }
  for (const [k, v] of Object.entries({ wasm: sz.wasm.gzip, glue: sz.glue.gzip, dexie: sz.dexie.gzip })) {
    if (!(v > 0)) problems.push(`size of ${k} missing`);
  }
  return problems;
}
