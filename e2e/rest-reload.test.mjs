// The REST transport's promise, in real Chromium against the reference server's
// REST facade: a page reloaded while its queue is being sent re-sends only the
// change whose answer it never read, and the server applies every change once
// when it honours `Idempotency-Key`, or at most once more per lost answer when
// it ignores the key (as json-server and most hand-written APIs do). Then a
// seeded chaos run through REST with reloads in the middle of batches.
//
// The page is the package's files as they are (dist/offline-sync, no bundler)
// and one HTML file; `?mode=request` routes every request through the app's own
// `transport.request` (a plain fetch) instead of the engine's fetch.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { admin, adminStats, launch, ROOT, startStatic, startSyncServer } from './lib.mjs';

const PACKAGE = process.env.PACKAGE_DIR ?? join(ROOT, 'dist/offline-sync');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let users = 0;
const newUser = (prefix) => `${prefix}${Date.now().toString(36)}${users++}`;

const PAGE = `<!doctype html><meta charset="utf-8"><title>starting</title>
<script type="module">
import { initOfflineSync, getSyncEngine } from './core.js';
const q = new URLSearchParams(location.search);
const user = q.get('user');
const token = 'dev-' + user;
// PUT replaces the whole record: a model of the changes can say what the server holds.
const rest = { resources: { course: { collection: '/courses', item: '/courses/:id', record: 'data', list: 'data.courses',
  pagination: { style: 'page', pageSize: 100, totalPages: 'data.pagination.totalPages' } } } };
// The app's own HTTP client, as docs/rest.md describes it.
const request = async (method, url, body, headers) => {
  const r = await fetch(url, { method, headers: { ...headers, authorization: 'Bearer ' + token },
    body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, data: text ? JSON.parse(text) : undefined, headers: r.headers };
};
await initOfflineSync({ apiBaseUrl: q.get('api') + '/api/v2', namespace: q.get('ns'), rest,
  requestTimeoutMs: Number(q.get('timeout') ?? 30000),
  ...(q.get('mode') === 'request' ? { transport: { request } } : { getAuthToken: () => token }) });
window.engine = getSyncEngine();
document.title = 'ready';
</script>`;

describe('REST: a reload in the middle of a push', () => {
  let server, site, browser, dir;

  before(async () => {
    assert.ok(existsSync(join(PACKAGE, 'core.js')), `${PACKAGE} is missing: run scripts/build-package.sh`);
    dir = mkdtempSync(join(tmpdir(), 'offline-sync-rest-'));
    cpSync(PACKAGE, dir, { recursive: true });
    writeFileSync(join(dir, 'index.html'), PAGE);
    server = await startSyncServer(['--enable-admin']);
    site = await startStatic(dir);
    browser = await launch();
  });

  after(async () => {
    await browser?.close();
    await site?.stop();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const faults = (user, spec = {}) => admin(server.url, '/__admin/faults', { user, ...spec });
  const stats = (user) => adminStats(server.url, user);

  async function open(ctx, user, ns, mode, extra = {}) {
    const page = await ctx.newPage();
    const q = new URLSearchParams({ api: server.url, user, ns, mode, ...extra });
    await page.goto(`${site.url}/?${q}`);
    await page.waitForFunction(() => document.title === 'ready', null, { timeout: 20000 });
    return page;
  }

  /** The user's courses on the server: id -> record (through the facade, as another client). */
  async function serverCourses(user) {
    const out = {};
    for (let page = 1; ; page++) {
      const r = await fetch(`${server.url}/api/v2/courses?page=${page}&limit=100`, {
        headers: { authorization: `Bearer dev-${user}` },
      });
      const body = await r.json();
      for (const c of body.data.courses) out[c.id] = c;
      if (page >= body.data.pagination.totalPages) return out;
    }
  }

  async function until(what, fn, timeoutMs = 20000) {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const v = await fn();
      if (v) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await sleep(25);
    }
  }

  /**
   * Four queued changes, the page closed while the server holds the answer to
   * change k+1 (applied, answer not sent), then opened again and synced.
   */
  async function reloadAfter(k, { ignoreKeys, mode }) {
    const user = newUser(`rr${k}${ignoreKeys ? 'i' : 'h'}${mode[0]}`);
    const ns = `rest-reload-${user}`;
    const ctx = await browser.newContext({ serviceWorkers: 'block' });
    let page = await open(ctx, user, ns, mode);
    // r1 exists on the server and the page knows it.
    await page.evaluate(async () => {
      await window.engine.put('course', 'r1', { title: 'start' });
      const r = await window.engine.fullSync();
      if (!r.success) throw new Error(r.error);
    });
    const queued = await page.evaluate(async () => {
      const e = window.engine;
      return [
        await e.queueMutation('UPDATE', 'course', 'r1', { title: 'A' }), // PUT
        await e.queueMutation('CREATE', 'course', 'r2', { title: 'two' }), // POST
        await e.queueMutation('UPDATE', 'course', 'r1', { title: 'B' }), // PUT
        await e.queueMutation('UPDATE', 'course', 'r2', { title: 'two b' }), // PUT
      ];
    });
    const n = queued.length;
    const before = await stats(user);
    await faults(user, { delayAfterApplyMs: 3000, delayAfterApplySkip: k, ignoreIdempotencyKey: ignoreKeys });
    await page.evaluate(() => {
      window.engine.fullSync(); // not awaited: the page dies before it ends
    });
    // k answers read and written; change k+1 applied, its answer held.
    await until(`change ${k + 1} applied`, async () => (await stats(user)).restWrites - before.restWrites === k + 1);
    await page.close({ runBeforeUnload: false });
    await faults(user, { ignoreIdempotencyKey: ignoreKeys });

    // Opened again, the engine sends what is queued on its own (the next start);
    // fullSync joins that sync, or runs one more with nothing left to send.
    const mid = await stats(user);
    page = await open(ctx, user, ns, mode);
    const r = await page.evaluate(() => window.engine.fullSync());
    assert.equal(r.success, true, JSON.stringify(r));
    const after = await stats(user);
    assert.equal(after.restWrites - mid.restWrites, n - k, 'only the change in flight and those never sent go out');
    assert.equal(after.resentAfterAnswer, 0, 'no change was sent again after its answer was read');
    const counts = queued.map((m) => after.applyCounts[m] ?? 0);
    assert.ok(counts.every((c, i) => c >= (i === k && ignoreKeys ? 0 : 1)), `every change applied: ${counts}`);
    const extra = counts.reduce((a, c) => a + Math.max(0, c - 1), 0);
    if (ignoreKeys) {
      assert.ok(counts.every((c, i) => c <= (i === k ? 2 : 1)), `only the change in flight may repeat: ${counts}`);
      assert.ok(extra <= after.lostAnswers, `${extra} repeats for ${after.lostAnswers} lost answers`);
    } else {
      assert.deepEqual(counts, queued.map(() => 1), 'each applied exactly once');
    }
    const courses = await serverCourses(user);
    assert.equal(courses.r1?.title, 'B');
    assert.equal(courses.r2?.title, 'two b');
    assert.equal(Object.keys(courses).length, 2);
    assert.equal(await page.evaluate(() => window.engine.pendingCount()), 0);
    await ctx.close();
  }

  for (const mode of ['fetch', 'request']) {
    for (const ignoreKeys of [false, true]) {
      for (const k of [0, 1, 3]) {
        const how = mode === 'fetch' ? 'the engine\'s fetch' : 'transport.request';
        const keys = ignoreKeys ? 'ignores' : 'honours';
        test(`${how}, a server that ${keys} Idempotency-Key, reloaded after ${k} of 4 answers`, () =>
          reloadAfter(k, { ignoreKeys, mode }));
      }
    }
  }

  // ------------------------------------------------------------------ chaos

  /** splitmix64 on BigInt: the same seed gives the same run. */
  function rng(seed) {
    let s = BigInt(seed);
    const M = (1n << 64n) - 1n;
    const next = () => {
      s = (s + 0x9e3779b97f4a7c15n) & M;
      let z = s;
      z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M;
      z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M;
      return z ^ (z >> 31n);
    };
    return {
      below: (n) => Number(next() % BigInt(n)),
      chance: (p) => Number(next() >> 11n) / 2 ** 53 < p,
    };
  }

  const SEED = Number(process.env.CHAOS_SEED ?? 1);
  const TIMEOUT_MS = 1500;

  /**
   * Two devices of one user change their own courses over several rounds; each
   * sync meets a random fault, or the page is closed with a write in flight
   * (after a random number of answers) and opened again. `ignoreKeys`: the facade
   * ignores Idempotency-Key in half the rounds.
   */
  async function chaos(ignoreHalf) {
    const rand = rng(SEED + (ignoreHalf ? 1000 : 0));
    const user = newUser(ignoreHalf ? 'chaosri' : 'chaosrh');
    const ctx = await browser.newContext({ serviceWorkers: 'block' });
    const started = Date.now();
    const clients = [];
    for (const name of ['a', 'b']) {
      const ns = `chaos-rest-${name}-${user}`;
      clients.push({ name, ns, page: await open(ctx, user, ns, 'fetch', { timeout: TIMEOUT_MS }), model: {}, next: 0 });
    }
    let mutations = 0, reloads = 0, armed = 0, failedSyncs = 0;
    const faultNames = {};
    const ROUNDS = 10;
    for (let round = 0; round < ROUNDS; round++) {
      const ignoreKeys = ignoreHalf && round % 2 === 1;
      for (const c of clients) {
        const changes = [];
        for (let i = 2 + rand.below(5); i > 0; i--) {
          mutations++;
          const live = Object.keys(c.model).filter((id) => c.model[id]);
          const roll = rand.below(100);
          if (live.length && roll < 50) {
            const id = live[rand.below(live.length)];
            c.model[id] = { ...c.model[id], [`u${mutations}`]: mutations };
            changes.push(['UPDATE', id, { [`u${mutations}`]: mutations }]);
          } else if (live.length && roll < 65) {
            const id = live[rand.below(live.length)];
            c.model[id] = null;
            changes.push(['DELETE', id, null]);
          } else {
            const id = `${c.name}-${c.next++}`;
            c.model[id] = { id, gen: mutations, by: c.name };
            changes.push(['CREATE', id, { id, gen: mutations, by: c.name }]);
          }
        }
        await c.page.evaluate(async (changes) => {
          for (const [op, id, data] of changes) await window.engine.queueMutation(op, 'course', id, data);
        }, changes);
      }
      for (const c of clients) {
        const roll = rand.below(100);
        // (A create and a delete of one record, not sent yet, fold into nothing.)
        const pending = await c.page.evaluate(() => window.engine.pendingCount());
        if (roll < 30 && pending > 0) {
          // The page dies with a write in flight, after k answers were read.
          const k = rand.below(pending);
          const before = (await stats(user)).restWrites;
          await faults(user, { delayAfterApplyMs: 2500, delayAfterApplySkip: k, ignoreIdempotencyKey: ignoreKeys });
          await c.page.evaluate(() => {
            window.engine.fullSync().then((r) => (window.lastResult = r));
          });
          await until('the write in flight', async () => {
            if ((await stats(user)).restWrites - before >= k + 1) return true;
            const ended = await c.page.evaluate(() => window.lastResult);
            assert.ok(!ended, `the sync ended before write ${k + 1} of ${pending}: ${JSON.stringify(ended)}`);
          }, 30000);
          await c.page.close({ runBeforeUnload: false });
          await faults(user, { ignoreIdempotencyKey: ignoreKeys });
          c.page = await open(ctx, user, c.ns, 'fetch', { timeout: TIMEOUT_MS });
          // The next start sends the queue on its own: let it end before going on.
          const r = await c.page.evaluate(() => window.engine.fullSync());
          assert.equal(r.success, true, `client ${c.name} after its reload: ${JSON.stringify(r)}`);
          reloads++;
          continue;
        }
        let fault = null;
        if (roll < 70) {
          const pick = rand.below(5);
          fault = ['5xx', 'lost-ack', 'malformed', '429', 'timeout'][pick];
          const spec = [
            { failNext: { count: 1 + rand.below(2), status: 503, path: 'rest' } },
            { dropAfterApply: 1 },
            { malformedNext: 1 },
            { retryAfter: { count: 1, seconds: 1 } },
            { delayMs: TIMEOUT_MS * 2 },
          ][pick];
          await faults(user, { ...spec, ignoreIdempotencyKey: ignoreKeys });
          armed++;
          faultNames[fault] = (faultNames[fault] ?? 0) + 1;
        } else {
          await faults(user, { ignoreIdempotencyKey: ignoreKeys });
        }
        const r = await c.page.evaluate(() => window.engine.fullSync());
        if (!r.success) {
          failedSyncs++;
          assert.ok(fault, `a sync without a fault failed: ${JSON.stringify(r)}`);
          assert.ok(['network', 'server', 'protocol'].includes(r.errorKind), JSON.stringify(r));
        }
      }
    }

    // Calm: requests the server still sleeps on finish, then every device syncs
    // until its queue is empty (changes that used up their attempts go back in line).
    await faults(user);
    await sleep(2600);
    for (let pass = 0; pass < 2; pass++) {
      for (const c of clients) {
        await c.page.evaluate(() => window.engine.retryFailed());
        const r = await c.page.evaluate(() => window.engine.fullSync());
        assert.equal(r.success, true, `client ${c.name} after the storm: ${JSON.stringify(r)}`);
      }
    }

    const expected = {};
    for (const c of clients) for (const [id, d] of Object.entries(c.model)) if (d) expected[id] = d;
    const actual = await serverCourses(user);
    let lost = 0;
    for (const [id, want] of Object.entries(expected)) {
      const got = actual[id];
      const same = got && Object.keys(want).every((f) => got[f] === want[f]) &&
        Object.keys(got).filter((f) => /^(u\d+|gen|by)$/.test(f)).length === Object.keys(want).length - 1;
      if (!same) {
        lost++;
        console.log(`chaos-rest: ${id}: expected ${JSON.stringify(want)}, server has ${JSON.stringify(got)}`);
      }
    }
    for (const id of Object.keys(actual).filter((id) => !(id in expected))) {
      lost++;
      console.log(`chaos-rest: ${id} is on the server but should not be: ${JSON.stringify(actual[id])}`);
    }
    const st = await stats(user);
    const duplicated = Object.values(st.applyCounts).reduce((a, n) => a + Math.max(0, n - 1), 0);
    for (const c of clients) {
      assert.equal(await c.page.evaluate(() => window.engine.pendingCount()), 0, `client ${c.name}: queue empty`);
      assert.equal((await c.page.evaluate(() => window.engine.failed())).length, 0, `client ${c.name}: none failed`);
    }
    const kinds = Object.entries(faultNames).map(([k, n]) => `${k}:${n}`).join(' ');
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    console.log(
      `chaos-rest seed=${SEED} keys=${ignoreHalf ? 'ignored-half' : 'honoured'} mutations=${mutations} rounds=${ROUNDS} ` +
        `clients=${clients.length} reloads=${reloads} faults=${armed} [${kinds}] failedSyncs=${failedSyncs} ` +
        `entities=${Object.keys(actual).length} answersLost=${st.lostAnswers} resentAfterAnswer=${st.resentAfterAnswer} ` +
        `lost=${lost} duplicated=${duplicated} (${secs} s)`,
    );
    await ctx.close();
    assert.equal(lost, 0, 'changes lost');
    assert.equal(st.resentAfterAnswer, 0, 'changes sent again after their answer was read');
    if (ignoreHalf) assert.ok(duplicated <= st.lostAnswers, `${duplicated} duplicates for ${st.lostAnswers} lost answers`);
    else assert.equal(duplicated, 0, 'changes applied twice while keys are honoured');
  }

  test('seeded chaos through REST, keys honoured: nothing lost, nothing applied twice', () => chaos(false));
  test('seeded chaos through REST, keys ignored in half the rounds: nothing lost, a repeat only per lost answer', () =>
    chaos(true));
});
