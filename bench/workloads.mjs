// Running the workloads: seeds the users, then every workload in a fresh page of
// headless Chromium, implementations alternating, round after round.

import os from 'node:os';
import { launch } from './browser.mjs';
import { throttledPull } from './throttled.mjs';
import { fmtMs } from './format.mjs';
import { IMPLS, NAMES } from './options.mjs';
import { seed, seedLessons } from './seed.mjs';

/** Every sample of every workload asked for (`o.only`), with the errors of the runs that failed. */
export async function runWorkloads(o, log) {
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

  return { results, errors, loadAvg, browserVersion };
}
