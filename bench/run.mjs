#!/usr/bin/env node
// Drives the benchmark: seeds the reference server (already running, --api), serves
// the bench page, runs every workload in headless system Chromium through
// playwright-core for the three implementations, alternating, several rounds, and
// prints a table and writes the same figures as JSON. Started by scripts/bench.sh.
//
//   node bench/run.mjs --api http://127.0.0.1:PORT --pkg DIR [--smoke] [--rounds N]
//        [--sizes 10000,50000,100000] [--push N] [--queue N] [--page-size N] [--out FILE]
//        [--api-plain http://127.0.0.1:PORT2 (a --no-compression server) --throttled N]

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { CHROMIUM_ARGS, launch } from './browser.mjs';
import { LINK, throttledPull } from './throttled.mjs';
import { chart } from './chart.mjs';
import { ENTITY_TYPE, itemData, itemId, LESSONS_PER_COURSE, lessonData, lessonId } from './page/data.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const IMPLS = ['wasm', 'raw', 'dexie'];
const NAMES = { wasm: 'offline-sync', raw: 'raw IndexedDB', dexie: 'Dexie 4' };

// ---------------------------------------------------------------- options

function parseArgs(argv) {
  const o = {
    api: null,
    apiPlain: null,
    throttled: 10000,
    pkg: path.join(ROOT, 'target', 'bench-pkg'),
    smoke: false,
    rounds: 3,
    startupRounds: 5,
    sizes: [10000, 50000, 100000],
    push: 10000,
    queue: 5000,
    pageSize: 500,
    out: null,
    lessons: 100000,
    liveChanges: 500,
    liveRounds: 1,
    only: new Set(['pull', 'push', 'queue', 'startup', 'throttled', 'live']),
  };
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i];
    const val = () => argv[++i];
    if (a === '--api') o.api = val();
    else if (a === '--api-plain') o.apiPlain = val();
    else if (a === '--throttled') o.throttled = Number(val());
    else if (a === '--pkg') o.pkg = path.resolve(val());
    else if (a === '--smoke') o.smoke = true;
    else if (a === '--rounds') o.rounds = Number(val());
    else if (a === '--startup-rounds') o.startupRounds = Number(val());
    else if (a === '--sizes') o.sizes = val().split(',').map(Number);
    else if (a === '--push') o.push = Number(val());
    else if (a === '--queue') o.queue = Number(val());
    else if (a === '--page-size') o.pageSize = Number(val());
    else if (a === '--lessons') o.lessons = Number(val());
    else if (a === '--live-changes') o.liveChanges = Number(val());
    else if (a === '--live-rounds') o.liveRounds = Number(val());
    else if (a === '--out') o.out = path.resolve(val());
    else if (a === '--only') o.only = new Set(val().split(','));
    else throw new Error(`unknown argument ${a}`);
  }
  if (o.smoke) Object.assign(o, { rounds: 1, startupRounds: 1, sizes: [300], push: 150, queue: 50, pageSize: 100, throttled: 300, lessons: 1000, liveChanges: 20 });
  // The throttled pull needs the baseline server (scripts/bench.sh starts it).
  if (!o.apiPlain) o.only.delete('throttled');
  o.out ??= path.join(HERE, 'results', o.smoke ? 'smoke.json' : 'latest.json');
  if (!o.api) throw new Error('--api http://HOST:PORT of a running sync-server is required');
  return o;
}

// ---------------------------------------------------------------- seeding

// Seeds user `pull-<n>` with n entities through the push endpoint, in batches.
async function seed(api, n) {
  const user = `pull-${n}`;
  const probe = await fetch(`${api}/sync/pull?limit=1`, { headers: { Authorization: `Bearer dev-${user}` } });
  if (!probe.ok) throw new Error(`seed probe: ${probe.status} ${await probe.text()}`);
  if ((await probe.json()).changes.length > 0) return user; // seeded by an earlier run
  const batch = 1000;
  for (let i = 0; i < n; i += batch) {
    const mutations = [];
    for (let j = i; j < Math.min(n, i + batch); j++) {
      mutations.push({
        mutationId: `seed-${n}-${j}`,
        op: 'CREATE',
        entityType: ENTITY_TYPE,
        entityId: itemId(j),
        data: itemData(j),
      });
    }
    const r = await fetch(`${api}/sync/push`, {
      method: 'POST',
      headers: { Authorization: `Bearer dev-${user}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ clientId: 'bench-seed', mutations }),
    });
    if (!r.ok) throw new Error(`seed push: ${r.status} ${await r.text()}`);
    const { results } = await r.json();
    const bad = results.find((x) => x.status !== 'applied');
    if (bad) throw new Error(`seed push: ${JSON.stringify(bad)}`);
  }
  return user;
}

// The live-query workload's user: `n` lessons over n/100 courses (bench/page/data.js).
async function seedLessons(api, n) {
  const user = `lessons-${n}`;
  const probe = await fetch(`${api}/sync/pull?limit=1`, { headers: { Authorization: `Bearer dev-${user}` } });
  if (!probe.ok) throw new Error(`seed probe: ${probe.status} ${await probe.text()}`);
  if ((await probe.json()).changes.length > 0) return user;
  const courses = n / LESSONS_PER_COURSE;
  for (let i = 0; i < n; i += 1000) {
    const mutations = [];
    for (let j = i; j < Math.min(n, i + 1000); j++) {
      mutations.push({ mutationId: `seed-l${n}-${j}`, op: 'CREATE', entityType: 'lesson', entityId: lessonId(j), data: lessonData(j, courses) });
    }
    const r = await fetch(`${api}/sync/push`, {
      method: 'POST',
      headers: { Authorization: `Bearer dev-${user}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ clientId: 'bench-seed', mutations }),
    });
    if (!r.ok) throw new Error(`seed push: ${r.status} ${await r.text()}`);
  }
  return user;
}

// ---------------------------------------------------------------- statistics

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function summarize(samples, key) {
  const xs = samples.map((s) => s[key]).filter((x) => typeof x === 'number');
  if (!xs.length) return null;
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), n: xs.length };
}

// ---------------------------------------------------------------- formatting

const fmtMs = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const fmtMB = (x) => (x / 1048576).toFixed(1);
const fmtKB = (x) => (x / 1024).toFixed(1);
const ratio = (a, b) => (a != null && b ? a / b : null);
const fmtRatio = (r) => (r == null ? '-' : `${r.toFixed(2)}x`);
// Only tasks of 50 ms or more are reported by the browser.
const fmtTask = (x) => (x === 0 ? '<50' : fmtMs(x));

function cell(st, f) {
  if (!st) return '-';
  if (st.n === 1) return f(st.median);
  return `${f(st.median)} (${f(st.min)}-${f(st.max)})`;
}

function table(rows, header) {
  const all = [header, ...rows];
  const w = header.map((_, i) => Math.max(...all.map((r) => String(r[i]).length)));
  const line = (r) => r.map((c, i) => (i < 2 ? String(c).padEnd(w[i]) : String(c).padStart(w[i]))).join(' | ');
  return [line(header), w.map((x) => '-'.repeat(x)).join('-|-'), ...rows.map(line)].join('\n');
}

// ---------------------------------------------------------------- sizes

function sizes(pkg) {
  const entry = (file) => {
    const buf = fs.readFileSync(file);
    return { file: path.relative(ROOT, file), raw: buf.length, gzip: zlib.gzipSync(buf, { level: 9 }).length };
  };
  const wasm = entry(path.join(pkg, 'offline_sync_bg.wasm'));
  // The glue: wasm-bindgen's module and the JS snippets it imports (snippets/).
  const snippets = [];
  const collect = (dir) => {
    if (!fs.existsSync(dir)) return;
    for (const f of fs.readdirSync(dir).sort()) {
      const p = path.join(dir, f);
      if (fs.statSync(p).isDirectory()) collect(p);
      else if (f.endsWith('.js')) snippets.push(p);
    }
  };
  collect(path.join(pkg, 'snippets'));
  const glueFiles = [path.join(pkg, 'offline_sync.js'), ...snippets];
  const glueBuf = Buffer.concat(glueFiles.map((f) => fs.readFileSync(f)));
  const glue = {
    file: glueFiles.map((f) => path.relative(ROOT, f)).join(' '),
    raw: glueBuf.length,
    gzip: zlib.gzipSync(glueBuf, { level: 9 }).length,
  };
  const dexieDir = path.join(HERE, 'node_modules', 'dexie', 'dist');
  // The package's own JS for `offline-sync/core` (js/core.js and what it imports
  // from js/), which an app ships on top of the glue.
  const jsDir = path.join(ROOT, 'js');
  const seen = new Set();
  const walk = (f) => {
    if (seen.has(f) || !fs.existsSync(f)) return;
    seen.add(f);
    for (const m of fs.readFileSync(f, 'utf8').matchAll(/(?:from|import)\s*\(?\s*['"](\.\/[^'"]+)['"]/g)) {
      walk(path.join(path.dirname(f), m[1]));
    }
  };
  walk(path.join(jsDir, 'core.js'));
  const files = [...seen];
  const pkgJs = files.length
    ? (() => {
        const buf = Buffer.concat(files.map((f) => fs.readFileSync(f)));
        return { file: files.map((f) => path.relative(ROOT, f)).join(' '), raw: buf.length, gzip: zlib.gzipSync(buf, { level: 9 }).length };
      })()
    : null;
  return {
    wasm,
    glue,
    module: { raw: wasm.raw + glue.raw, gzip: wasm.gzip + glue.gzip },
    packageJs: pkgJs,
    dexie: entry(path.join(dexieDir, 'modern', 'dexie.min.mjs')),
    dexieUmd: entry(path.join(dexieDir, 'dexie.min.js')),
  };
}

// ---------------------------------------------------------------- running

async function main() {
  const o = parseArgs(process.argv);
  const started = Date.now();
  const log = (...a) => console.error(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(4)}s]`, ...a);

  log(`seeding ${o.sizes.join(', ')} entities through ${o.api}/sync/push`);
  const users = Object.fromEntries(await Promise.all(o.sizes.map(async (n) => [n, await seed(o.api, n)])));

  const { site, browser } = await launch(o.pkg);
  const context = await browser.newContext();
  const loadAvg = [os.loadavg()];
  const results = { pull: {}, push: {}, queue: {}, startup: {}, throttled: null, live: {} };
  const errors = [];

  // One run = one freshly loaded page, so no run inherits another's heap, code or
  // wasm memory.
  async function inPage(ctx, fn, impl, opts) {
    const page = await ctx.newPage();
    const consoleLines = [];
    page.on('console', (m) => consoleLines.push(m.text()));
    page.on('pageerror', (e) => consoleLines.push(String(e)));
    try {
      await page.goto(`${site.url}/`);
      await page.waitForFunction(() => window.bench?.ready);
      return await page.evaluate(([f, i, a]) => window.bench[f](i, a), [fn, impl, opts]);
    } catch (e) {
      throw new Error(`${fn}/${impl}: ${e.message}\n${consoleLines.slice(-10).join('\n')}`);
    } finally {
      await page.close();
    }
  }

  async function rounds(label, slot, fn, optsFor, count = o.rounds, fresh = false) {
    for (const impl of IMPLS) slot[impl] ??= [];
    for (let r = 0; r < count; r++) {
      // Alternate: every round starts with the next implementation.
      const order = IMPLS.map((_, k) => IMPLS[(k + r) % IMPLS.length]);
      for (const impl of order) {
        const ctx = fresh ? await browser.newContext() : context;
        try {
          const res = await inPage(ctx, fn, impl, optsFor(impl, r));
          slot[impl].push(res);
          log(`${label} ${NAMES[impl].padEnd(13)} round ${r + 1}/${count}: ${fmtMs(res.ms)} ms`);
        } catch (e) {
          errors.push(`${label} ${impl} round ${r + 1}: ${e.message}`);
          log(`${label} ${impl} FAILED: ${e.message}`);
        } finally {
          if (fresh) await ctx.close();
        }
      }
    }
  }

  const base = { api: o.api, pageSize: o.pageSize };
  for (const n of o.only.has('pull') ? o.sizes : []) {
    results.pull[n] = {};
    await rounds(`pull ${n}`, results.pull[n], 'pull', (impl, r) => ({ ...base, user: users[n], expect: n, tag: `${n}-${r}` }));
  }
  loadAvg.push(os.loadavg());
  const runId = Date.now().toString(36);
  if (o.only.has('push')) await rounds(`push ${o.push}`, results.push, 'push', (impl, r) => ({ ...base, count: o.push, tag: `${runId}-${r}` }));
  if (o.only.has('queue')) await rounds(`queueMutation x${o.queue}`, results.queue, 'queue', (impl, r) => ({ ...base, count: o.queue, tag: `${r}` }));
  if (o.only.has('startup')) await rounds('start-up', results.startup, 'startup', () => base, o.startupRounds, true);
  if (o.only.has('throttled')) {
    const n = o.throttled;
    log(`seeding ${n} entities on the --no-compression server ${o.apiPlain}`);
    const thrUsers = { gzip: await seed(o.api, n), plain: await seed(o.apiPlain, n) };
    try {
      results.throttled = await throttledPull({ browser, site, api: o.api, apiPlain: o.apiPlain, users: thrUsers, n, pageSize: o.pageSize, rounds: o.rounds, log });
    } catch (e) {
      errors.push(`throttled pull: ${e.message}`);
      log(`throttled pull FAILED: ${e.message}`);
    }
  }
  if (o.only.has('live')) {
    log(`seeding ${o.lessons} lessons`);
    const user = await seedLessons(o.api, o.lessons);
    const lo = { ...base, pageSize: 1000, user, lessons: o.lessons, changes: o.liveChanges, queries: 5 };
    await rounds(`live ${o.lessons}`, results.live, 'live', (impl, r) => ({ ...lo, tag: `${runId}-${r}` }), o.liveRounds);
    // The same across two tabs: offline-sync and Dexie (no live query in plain IndexedDB).
    results.liveTabs = {};
    for (let r = 0; r < o.liveRounds; r++) {
      for (const impl of r % 2 ? ['dexie', 'wasm'] : ['wasm', 'dexie']) {
        try {
          const res = await inPage(context, 'liveTabs', impl, { ...lo, tag: `${runId}-tabs-${r}` });
          (results.liveTabs[impl] ??= []).push(res);
          log(`live query across tabs ${NAMES[impl].padEnd(13)} round ${r + 1}: p50 ${fmtMs(res.p50)} ms, p99 ${fmtMs(res.p99)} ms`);
        } catch (e) {
          errors.push(`liveTabs ${impl}: ${e.message}`);
        }
      }
    }
    results.livePull = { 0: [], 20: [] };
    for (let r = 0; r < o.liveRounds; r++) {
      for (const watchers of r % 2 ? [20, 0] : [0, 20]) {
        try {
          const res = await inPage(context, 'livePull', 'wasm', { ...lo, pageSize: o.pageSize, watchers, tag: `${runId}-${r}` });
          results.livePull[watchers].push(res);
          log(`pull ${o.lessons} with ${watchers} live queries round ${r + 1}: ${fmtMs(res.ms)} ms, longest task ${res.longestTaskMs} ms`);
        } catch (e) {
          errors.push(`livePull ${watchers}: ${e.message}`);
        }
      }
    }
  }
  loadAvg.push(os.loadavg());

  const browserVersion = browser.version();
  await context.close();
  await browser.close();
  await site.close();

  // ------------------------------------------------------------ report
  const sz = sizes(o.pkg);
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
  const lo = o.sizes[0];
  const hi = o.sizes[o.sizes.length - 1];
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
