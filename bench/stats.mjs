// Statistics over the rounds: each sample list as median (min-max), and the
// summary of a whole run that the report, the targets and the checks read.

import { LINK } from './throttled.mjs';
import { IMPLS } from './options.mjs';

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export function summarize(samples, key) {
  const xs = samples.map((s) => s[key]).filter((x) => typeof x === 'number');
  if (!xs.length) return null;
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), n: xs.length };
}

/** The summary of `results` (what `runWorkloads` measured), per workload and implementation. */
export function summarizeRun(o, results) {
  const S = (slot, key) => Object.fromEntries(IMPLS.map((i) => [i, summarize(slot[i] || [], key)]));
  const summary = { pull: {}, push: {}, queue: {}, startup: {}, throttled: null, live: {} };
  for (const n of o.sizes) {
    const slot = results.pull[n] || {};
    summary.pull[n] = {
      ms: S(slot, 'ms'),
      heapPeak: S(slot, 'heapPeak'),
      heapGrowth: S(slot, 'heapGrowth'),
      longestTaskMs: S(slot, 'longestTaskMs'),
      wasmMemory: S(slot, 'wasmMemory'),
    };
  }
  summary.push = { ms: S(results.push, 'ms'), heapPeak: S(results.push, 'heapPeak'), longestTaskMs: S(results.push, 'longestTaskMs') };
  summary.queue = {
    p50: S(results.queue, 'p50'),
    p99: S(results.queue, 'p99'),
    max: S(results.queue, 'max'),
    ms: S(results.queue, 'ms'),
    longestTaskMs: S(results.queue, 'longestTaskMs'),
  };
  summary.startup = {
    ms: S(results.startup, 'ms'),
    importMs: S(results.startup, 'importMs'),
    instantiateMs: S(results.startup, 'instantiateMs'),
    openMs: S(results.startup, 'openMs'),
  };

  if (results.throttled) {
    const t = results.throttled;
    summary.throttled = {
      link: LINK,
      entities: o.throttled,
      ms: { gzip: summarize(t.gzip, 'ms'), plain: summarize(t.plain, 'ms') },
      bytes: { gzip: summarize(t.gzip, 'bytes'), plain: summarize(t.plain, 'bytes') },
      encodings: { gzip: t.gzip[0]?.encodings, plain: t.plain[0]?.encodings },
    };
  }
  summary.live = { queryMs: S(results.live, 'queryMs'), p50: S(results.live, 'p50'), p99: S(results.live, 'p99') };
  summary.liveTabs = { p50: S(results.liveTabs ?? {}, 'p50'), p99: S(results.liveTabs ?? {}, 'p99') };
  return summary;
}
