#!/usr/bin/env node
// Drives the benchmark: seeds the reference server (already running, --api), serves
// the bench page, runs every workload in headless system Chromium through
// playwright-core for the three implementations, alternating, several rounds, and
// prints a table and writes the same figures as JSON. Started by scripts/bench.sh.
//
//   node bench/run.mjs --api http://127.0.0.1:PORT --pkg DIR [--smoke] [--rounds N]
//        [--sizes 10000,50000,100000] [--push N] [--queue N] [--page-size N] [--out FILE]
//        [--api-plain http://127.0.0.1:PORT2 (a --no-compression server) --throttled N]
//
// Its parts: options.mjs (the arguments), seed.mjs, workloads.mjs (the runs in the
// browser), stats.mjs (the summary), sizes.mjs, report.mjs (tables and targets),
// check.mjs (what fails a run).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CHROMIUM_ARGS } from './browser.mjs';
import { chart } from './chart.mjs';
import { runProblems } from './check.mjs';
import { parseArgs } from './options.mjs';
import { judge, render, tables } from './report.mjs';
import { sizes } from './sizes.mjs';
import { summarizeRun } from './stats.mjs';
import { runWorkloads } from './workloads.mjs';
import { ENTITY_TYPE, itemData, itemId } from './page/data.js';

async function main() {
  const o = parseArgs(process.argv);
  const started = Date.now();
  const log = (...a) => console.error(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(4)}s]`, ...a);

  const { results, errors, loadAvg, browserVersion } = await runWorkloads(o, log);

  const sz = sizes(o.pkg);
  const summary = summarizeRun(o, results);
  const { rows, growthRows } = tables(o, summary, results);
  const targets = judge(o, summary, sz);

  const cpus = os.cpus();
  const machine = {
    cpu: cpus[0]?.model,
    cores: cpus.length,
    memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    loadAverage: { start: loadAvg[0], afterPull: loadAvg[1], end: loadAvg[2] },
    note: 'shared machine: other builds may have run during the benchmark (see load averages)',
  };
  const report = {
    date: new Date(started).toISOString(),
    durationS: Math.round((Date.now() - started) / 1000),
    smoke: o.smoke,
    machine,
    browser: `Chromium ${browserVersion}`,
    node: process.version,
    config: {
      rounds: o.rounds,
      startupRounds: o.startupRounds,
      pullSizes: o.sizes,
      pullPageSize: o.pageSize,
      pushCount: o.push,
      pushBatch: 100,
      queueCount: o.queue,
      entityBytes: JSON.stringify({ entityType: ENTITY_TYPE, id: itemId(1), version: 1, deleted: false, data: itemData(1) }).length,
      chromiumArgs: CHROMIUM_ARGS,
    },
    sizes: sz,
    summary,
    targets,
    errors,
    samples: results,
  };

  const text = render(o, report, { rows, growthRows, loadAvg });
  console.log(text);
  report.table = text;
  fs.mkdirSync(path.dirname(o.out), { recursive: true });
  fs.writeFileSync(o.out, JSON.stringify(report, null, 2) + '\n');
  // The same figures drawn (people would rather look than read): docs/performance.md
  // shows the chart of the last full run (docs/benchmark.svg, copied from here).
  const svg = o.out.replace(/\.json$/, '.svg');
  fs.writeFileSync(svg, chart(report));
  log(`wrote ${path.relative(process.cwd(), o.out)} and ${path.relative(process.cwd(), svg)} in ${report.durationS}s`);

  // The smoke run asserts no timing: only that every workload ran for every
  // implementation and produced numbers.
  const problems = runProblems(o, summary, sz, errors);
  if (problems.length) {
    console.error(`bench: ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }
  console.error(`bench: every workload ran for every implementation and produced numbers`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
