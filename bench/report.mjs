// The printed report: the tables of a run's summary and the targets it is judged
// against.

import { LINK } from './throttled.mjs';
import { cell, fmtKB, fmtMB, fmtMs, fmtRatio, fmtTask, ratio, table } from './format.mjs';
import { IMPLS, NAMES } from './options.mjs';
import { summarize } from './stats.mjs';

/** The rows of the main table and of the growth table. */
export function tables(o, summary, results) {
  const rows = [];
  const row = (work, metric, st, f, ratios = true) => {
    const w = st.wasm?.median;
    rows.push([
      work,
      metric,
      ...IMPLS.map((i) => cell(st[i], f)),
      ratios ? fmtRatio(ratio(w, st.raw?.median)) : '',
      ratios ? fmtRatio(ratio(w, st.dexie?.median)) : '',
    ]);
  };
  const worst = (st) => Object.fromEntries(IMPLS.map((i) => [i, st[i] && { ...st[i], median: st[i].max, n: 1 }]));
  for (const n of o.sizes) {
    const s = summary.pull[n];
    const w = `pull ${n / 1000}k`;
    row(w, 'time ms', s.ms, fmtMs);
    row(w, 'JS heap peak MB', s.heapPeak, fmtMB);
    row(w, 'JS heap growth MB', s.heapGrowth, fmtMB);
    row(w, 'wasm memory MB (not in JS heap)', s.wasmMemory, fmtMB, false);
    row(w, 'longest task ms (worst)', worst(s.longestTaskMs), fmtTask, false);
  }
  const pw = `push ${o.push / 1000}k`;
  row(pw, 'time ms', summary.push.ms, fmtMs);
  row(pw, 'JS heap peak MB', summary.push.heapPeak, fmtMB);
  row(pw, 'longest task ms (worst)', worst(summary.push.longestTaskMs), fmtTask, false);
  const qw = `queueMutation x${o.queue}`;
  row(qw, 'p50 ms', summary.queue.p50, fmtMs);
  row(qw, 'p99 ms', summary.queue.p99, fmtMs);
  row(qw, 'max ms', summary.queue.max, fmtMs);
  row(qw, 'longest task ms (worst)', worst(summary.queue.longestTaskMs), fmtTask, false);
  row('start-up (cold)', 'import to ready ms', summary.startup.ms, fmtMs);
  row('start-up (cold)', '  of which import (fetch, parse)', summary.startup.importMs, fmtMs, false);
  row('start-up (cold)', '  of which wasm compile+instantiate', summary.startup.instantiateMs, fmtMs, false);
  row('start-up (cold)', '  of which database open', summary.startup.openMs, fmtMs, false);
  if (o.only.has('live')) {
    const lw = `${o.lessons / 1000}k lessons`;
    row(lw, "one course's 100, sorted: ms", summary.live.queryMs, fmtMs);
    row(lw, `live query: edit -> callback p50 ms (${o.liveChanges})`, summary.live.p50, fmtMs);
    row(lw, `live query: edit -> callback p99 ms (${o.liveChanges})`, summary.live.p99, fmtMs);
    row(lw, `across two tabs: edit -> callback p50 ms (${o.liveChanges})`, summary.liveTabs.p50, fmtMs);
    row(lw, `across two tabs: edit -> callback p99 ms (${o.liveChanges})`, summary.liveTabs.p99, fmtMs);
    for (const w of [0, 20]) {
      const list = results.livePull?.[w] ?? [];
      row(`pull ${o.lessons / 1000}k lessons`, `with ${w} live queries open: ms`, { wasm: summarize(list, 'ms') }, fmtMs, false);
      row(`pull ${o.lessons / 1000}k lessons`, `with ${w} live queries open: longest task ms`, { wasm: summarize(list, 'longestTaskMs') }, fmtTask, false);
    }
  }

  // Growth from the smallest to the largest size.
  const growthRows = IMPLS.map((i) => {
    const t = o.sizes.map((n) => summary.pull[n].ms[i]?.median);
    const h = o.sizes.map((n) => summary.pull[n].heapPeak[i]?.median);
    const g = o.sizes.map((n) => summary.pull[n].heapGrowth[i]?.median);
    return [
      NAMES[i],
      t.map((x) => (x == null ? '-' : fmtMs(x))).join(' / '),
      fmtRatio(ratio(t.at(-1), t[0])),
      o.sizes.map((n, k) => (t[k] == null ? '-' : ((t[k] * 1000) / n).toFixed(1))).join(' / '),
      h.map((x) => (x == null ? '-' : fmtMB(x))).join(' / '),
      fmtRatio(ratio(h.at(-1), h[0])),
      g.map((x) => (x == null ? '-' : fmtMB(x))).join(' / '),
    ];
  });

  return { rows, growthRows };
}

/** The targets, each with its figure in this run and whether it was met. */
export function judge(o, summary, sz) {
  const lo = o.sizes[0];
  const hi = o.sizes[o.sizes.length - 1];
  // Targets, judged on this run's medians (ratios: this module over the other).
  const targets = [];
  const target = (name, value, limit, fmt, cmp = '<=') => {
    const met = value != null && (cmp === '<' ? value < limit : value <= limit);
    targets.push({ name, value, limit, met, text: value == null ? 'no figure' : fmt(value) });
  };
  for (const n of o.sizes) {
    const s = summary.pull[n].ms;
    target(`pull ${n}: time vs raw IndexedDB <= 1.15x`, ratio(s.wasm?.median, s.raw?.median), 1.15, fmtRatio);
    target(`pull ${n}: no slower than Dexie (<= 1.00x)`, ratio(s.wasm?.median, s.dexie?.median), 1.0, fmtRatio);
  }
  target(`push ${o.push}: time vs raw IndexedDB <= 1.15x`, ratio(summary.push.ms.wasm?.median, summary.push.ms.raw?.median), 1.15, fmtRatio);
  target(`queueMutation p50 < 1 ms`, summary.queue.p50.wasm?.median, 1, (x) => `${fmtMs(x)} ms`, '<');
  target(`queueMutation p99 < 5 ms`, summary.queue.p99.wasm?.median, 5, (x) => `${fmtMs(x)} ms`, '<');
  const longest = Math.max(
    0,
    ...o.sizes.map((n) => summary.pull[n].longestTaskMs.wasm?.max ?? 0),
    summary.push.longestTaskMs.wasm?.max ?? 0,
    summary.queue.longestTaskMs.wasm?.max ?? 0,
  );
  target('no main-thread task over 50 ms (offline-sync, any workload)', longest, 50, (x) => (x === 0 ? 'none over 50 ms' : `${fmtMs(x)} ms`));
  target(
    `JS heap peak at ${hi} <= 2x the peak at ${lo}`,
    ratio(summary.pull[hi].heapPeak.wasm?.median, summary.pull[lo].heapPeak.wasm?.median),
    2,
    fmtRatio,
  );
  if (summary.throttled) {
    const t = summary.throttled;
    target(
      `throttled pull ${o.throttled}: compressed time <= 1/3 of uncompressed`,
      ratio(t.ms.gzip?.median, t.ms.plain?.median),
      1 / 3,
      fmtRatio,
    );
  }
  target('shipped .wasm + JS glue <= 60 KB gzip', sz.module.gzip / 1024, 60, (x) => `${x.toFixed(1)} KB`);
  return targets;
}

/** The text printed and kept in the report's `table`. */
export function render(o, report, { rows, growthRows, loadAvg }) {
  const { machine, sizes: sz, summary, targets, errors } = report;
  const lo = o.sizes[0];
  const hi = o.sizes[o.sizes.length - 1];
  const out = [];
  out.push(`offline-sync benchmark, ${report.date}${o.smoke ? ' (SMOKE size: figures mean nothing)' : ''}`);
  out.push(`${machine.cpu}, ${machine.cores} cores (shared with other builds; load avg ${loadAvg.map((l) => l[0].toFixed(2)).join(' -> ')}), ${report.browser}, ${process.version}`);
  out.push(`${o.rounds} rounds, implementations alternating; median (min-max); pull page ${o.pageSize}; entity ~${report.config.entityBytes} B`);
  out.push('');
  out.push(table(rows, ['workload', 'metric', NAMES.wasm, NAMES.raw, NAMES.dexie, 'vs raw', 'vs Dexie']));
  out.push('');
  out.push(`Growth of pull, ${o.sizes.join(' / ')} entities (medians):`);
  out.push(table(growthRows, ['implementation', 'time ms', `x ${hi}/${lo}`, 'us per entity', 'heap peak MB', `x ${hi}/${lo}`, 'heap growth MB']));
  out.push('');
  const wasmMem = o.sizes.map((n) => summary.pull[n].wasmMemory.wasm?.median);
  out.push(`offline-sync wasm linear memory after pull ${o.sizes.join(' / ')}: ${wasmMem.map((x) => (x == null ? '-' : fmtMB(x))).join(' / ')} MB (outside the JS heap)`);
  out.push('');
  out.push(
    table(
      [
        ['offline-sync .wasm', sz.wasm.file, fmtKB(sz.wasm.raw), fmtKB(sz.wasm.gzip)],
        ['offline-sync JS glue', sz.glue.file, fmtKB(sz.glue.raw), fmtKB(sz.glue.gzip)],
        ['offline-sync .wasm + glue', '', fmtKB(sz.module.raw), fmtKB(sz.module.gzip)],
        ...(sz.packageJs ? [['offline-sync/core package JS', sz.packageJs.file, fmtKB(sz.packageJs.raw), fmtKB(sz.packageJs.gzip)]] : []),
        ['Dexie 4 (ESM, minified)', sz.dexie.file, fmtKB(sz.dexie.raw), fmtKB(sz.dexie.gzip)],
      ],
      ['shipped', 'file', 'raw KB', 'gzip KB'],
    ),
  );
  if (summary.throttled) {
    const t = summary.throttled;
    const link = `${LINK.downKbit / 1000} Mbit/s down, ${LINK.rttMs} ms RTT`;
    out.push('');
    out.push(`Throttled pull of ${o.throttled} entities, offline-sync (${link}; DevTools network emulation):`);
    out.push(
      table(
        [
          [`pull ${o.throttled / 1000}k throttled`, 'time ms', cell(t.ms.gzip, fmtMs), cell(t.ms.plain, fmtMs), fmtRatio(ratio(t.ms.gzip?.median, t.ms.plain?.median))],
          [`pull ${o.throttled / 1000}k throttled`, 'bytes on the wire KB', cell(t.bytes.gzip, fmtKB), cell(t.bytes.plain, fmtKB), fmtRatio(ratio(t.bytes.gzip?.median, t.bytes.plain?.median))],
        ],
        ['workload', 'metric', `compressed (${(t.encodings.gzip ?? []).join(',')})`, 'uncompressed', 'ratio'],
      ),
    );
  }
  out.push('');
  out.push('Targets (this run):');
  for (const t of targets) out.push(`  ${t.met ? 'MET    ' : 'NOT MET'}  ${t.name}: ${t.text}`);
  if (errors.length) {
    out.push('');
    out.push('ERRORS:');
    for (const e of errors) out.push(`  ${e}`);
  }
  const text = out.join('\n');
  return text;
}
