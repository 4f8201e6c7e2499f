// Background sync end to end, in real Chromium, against the reference server:
// the demo (www/dist, whose worker is built from offline-sync/sw) queues changes
// offline, every page is closed, and the service worker delivers them; where the
// page has no SyncManager (Firefox, Safari) the next start and `online` do; two
// tabs auto-syncing every second never overlap on the server and apply every
// change once. Each test has its own browser context (storage) and user.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, ROOT, startStatic, startSyncServer, adminStats, serverTitles as serverTitlesOf } from './lib.mjs';

const DIST = process.env.DEMO_DIST ?? join(ROOT, 'www/dist');
const PACKAGE = process.env.PACKAGE_DIR ?? join(ROOT, 'dist/offline-sync'); // scripts/build-package.sh, unbundled
const SYNC_TAG = 'sync-offline-data';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const newUser = (prefix) => `${prefix}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

/** Polls `fn` until it returns a truthy value; returns it. */
async function until(what, fn, timeoutMs = 20000) {
  const end = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
    await sleep(200);
  }
}

describe('offline-sync/sw without a browser', () => {
  // A fresh module instance per test (installOfflineSync may run once per worker).
  let n = 0;
  const load = () => import(`${join(PACKAGE, 'sw.js')}?instance=${n++}`);

  test('importing it touches no browser API; outside a service worker it says where it belongs', async () => {
    const sw = await load();
    assert.equal(sw.SYNC_TAG, SYNC_TAG);
    assert.throws(() => sw.installOfflineSync({}), /belongs in a service worker/);
  });

  test('listeners are added synchronously, once; other tags are left alone', async () => {
    const sw = await load();
    const listeners = {};
    const scope = {
      registration: {},
      skipWaiting() {},
      addEventListener(type, fn) { (listeners[type] ??= []).push(fn); },
    };
    const saved = Object.getOwnPropertyDescriptors(globalThis);
    Object.assign(globalThis, scope);
    try {
      sw.installOfflineSync({ namespace: 'x' });
      assert.deepEqual(Object.keys(listeners).sort(), ['message', 'periodicsync', 'sync']);
      assert.throws(() => sw.installOfflineSync({}), /already called/);
      let waited = false;
      listeners.sync[0]({ tag: 'someone-else', waitUntil: () => { waited = true; } });
      assert.equal(waited, false, 'an event of another tag is not ours to keep alive');
    } finally {
      for (const k of Object.keys(scope)) if (!(k in saved)) delete globalThis[k];
    }
  });
});

describe('background sync (Chromium)', () => {
  let server, demo, browser;
  const pageErrors = [];

  before(async () => {
    assert.ok(existsSync(join(DIST, 'sw.js')), `${DIST}/sw.js is missing: build the demo (www) first`);
    server = await startSyncServer(['--enable-admin']);
    demo = await startStatic(DIST);
    browser = await launch();
  });

  after(async () => {
    await browser?.close();
    await demo?.stop();
    await server?.stop();
  });

  // ---- the server, seen from outside the browser
  const auth = (user) => ({ Authorization: `Bearer dev-${user}`, 'Content-Type': 'application/json' });
  async function seed(user, n) {
    for (let i = 1; i <= n; i++) {
      const r = await fetch(`${server.url}/api/v2/courses`, {
        method: 'POST', headers: auth(user), body: JSON.stringify({ id: `c${i}`, title: `Course ${i}`, level: 'beginner' }),
      });
      assert.equal(r.status, 201, await r.text());
    }
  }
  const stats = (user) => adminStats(server.url, user);
  const serverTitles = (user) => serverTitlesOf(server.url, user);
  const applied = async (user) => Object.values((await stats(user)).applyCounts);

  // ---- the demo
  const demoUrl = (user, extra = '') => `${demo.url}/?api=${encodeURIComponent(server.url)}&user=${user}${extra}`;
  async function newContext() {
    const ctx = await browser.newContext();
    ctx.on('weberror', (e) => pageErrors.push(e.error().message));
    return ctx;
  }
  async function openDemo(ctx, user, { courses = 3, extra = '' } = {}) {
    const page = await ctx.newPage();
    await page.goto(demoUrl(user, extra));
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid^="course-"]').length === n, courses);
    return page;
  }
  const testid = (page, id) => page.locator(`[data-testid="${id}"]`).innerText();
  const waitText = (page, selector, expected, timeout = 20000) =>
    page.waitForFunction(([s, t]) => document.querySelector(s)?.textContent === t, [selector, expected], { timeout });
  async function rename(page, id, title) {
    const card = `[data-testid="course-${id}"]`;
    await page.click(`${card} [data-testid="edit"]`);
    await page.fill(`${card} input`, title);
    await page.click(`${card} button[type="submit"]`);
    await waitText(page, `${card} [data-testid="title"]`, title);
  }
  const controlled = (page) =>
    page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 20000 });
  const syncTags = (page) =>
    page.evaluate(async () => {
      const reg = await navigator.serviceWorker.getRegistration();
      return reg?.sync ? reg.sync.getTags() : null;
    });

  /**
   * DevTools on an about:blank page of the context (it runs no app code and no
   * worker controls it): the worker's registration from the ServiceWorker domain.
   */
  async function devtools(ctx, origin = new URL(demo.url).origin) {
    const blank = await ctx.newPage();
    const cdp = await ctx.newCDPSession(blank);
    const regs = new Map();
    const versions = new Map();
    cdp.on('ServiceWorker.workerRegistrationUpdated', (e) => e.registrations.forEach((r) => regs.set(r.registrationId, r)));
    cdp.on('ServiceWorker.workerVersionUpdated', (e) => e.versions.forEach((v) => versions.set(v.versionId, v)));
    await cdp.send('ServiceWorker.enable');
    const reg = await until('the demo worker registration', () =>
      [...regs.values()].find((r) => !r.isDeleted && r.scopeURL === `${origin}/`));
    const activated = () => [...versions.values()].find((v) => v.registrationId === reg.registrationId && v.status === 'activated');
    await until('an activated worker version', activated);
    return {
      blank,
      registrationId: reg.registrationId,
      /** The activated version's clients (pages it controls). */
      controlledClients: () => activated()?.controlledClients ?? [],
      dispatchSync: (lastChance = false) =>
        cdp.send('ServiceWorker.dispatchSyncEvent', { origin, registrationId: reg.registrationId, tag: SYNC_TAG, lastChance }),
      stopAllWorkers: () => cdp.send('ServiceWorker.stopAllWorkers'),
    };
  }

  test('changes queued offline reach the server through the worker with every page closed', async () => {
    const user = newUser('bg');
    await seed(user, 3);
    const ctx = await newContext();
    const page = await openDemo(ctx, user);
    await controlled(page);

    await ctx.setOffline(true);
    await waitText(page, '[data-testid="online"]', 'Offline');
    await rename(page, 'c1', 'Renamed offline (bg 1)');
    await rename(page, 'c2', 'Renamed offline (bg 2)');
    await waitText(page, '[data-testid="pending"]', '2');
    // The engine asked the browser for a background sync, since it could not send.
    await until('the sync tag', async () => (await syncTags(page))?.includes(SYNC_TAG));

    const dt = await devtools(ctx);
    await page.close();
    await until('no page controlled by the worker', () => dt.controlledClients().length === 0);
    assert.deepEqual(ctx.pages(), [dt.blank], 'only the DevTools about:blank page is open');
    await sleep(500);
    assert.deepEqual(await applied(user), [], 'nothing can reach the server while offline');

    await ctx.setOffline(false);
    // Chromium may fire the registered tag by itself once it is online; DevTools
    // fires it now either way. Both run in the worker, one after the other (Web Lock).
    await dt.dispatchSync();
    const counts = await until('both changes on the server', async () => {
      const c = await applied(user);
      return c.length === 2 && c;
    });
    assert.deepEqual(counts, [1, 1], 'each change applied exactly once');
    const titles = await serverTitles(user);
    assert.equal(titles.c1, 'Renamed offline (bg 1)');
    assert.equal(titles.c2, 'Renamed offline (bg 2)');
    assert.deepEqual(ctx.pages(), [dt.blank], 'still no app page open');
    assert.equal(dt.controlledClients().length, 0);

    // The next visit finds the queue empty and the tag gone.
    const again = await openDemo(ctx, user);
    await waitText(again, '[data-testid="pending"]', '0');
    assert.equal(await again.locator('[data-testid="course-c1"] [data-testid="title"]').innerText(), 'Renamed offline (bg 1)');
    // (DevTools' event does not settle the registration; the browser's own firing does.)
    await until('the tag settled', async () => (await syncTags(again))?.length === 0);
    await ctx.close();
  });

  test('a sync event wakes a stopped worker, which loads the wasm module and pushes', async () => {
    const user = newUser('wake');
    await seed(user, 3);
    const ctx = await newContext();
    // Pushing at once is off here (`pushDelay=0`): online, a change waits for the
    // page's next sync (every 30 s), so the page can be closed before it goes out.
    const page = await openDemo(ctx, user, { extra: '&pushDelay=0' });
    await controlled(page);
    await rename(page, 'c3', 'Sent by a woken worker');
    await waitText(page, '[data-testid="pending"]', '1');
    assert.deepEqual(await syncTags(page), [], 'online, the engine registers no tag');
    const dt = await devtools(ctx);
    await page.close();
    await dt.stopAllWorkers(); // the worker starts from nothing: no module, no engine in memory
    await sleep(500);
    assert.deepEqual(await applied(user), []);

    await dt.dispatchSync();
    await until('the change on the server', async () => (await applied(user)).length === 1);
    assert.deepEqual(await applied(user), [1]);
    assert.equal((await serverTitles(user)).c3, 'Sent by a woken worker');
    assert.deepEqual(ctx.pages(), [dt.blank]);
    await ctx.close();
  });

  test("a background sync with no page in front updates a page's live list when it returns", async () => {
    const user = newUser('live');
    await seed(user, 3);
    const ctx = await newContext();
    // The page syncs only on mount: no interval, no push at once (Playwright keeps
    // pages visible, so no visibilitychange sync either). What reaches it after
    // that comes from the worker's sync, through the live queries' change messages.
    const page = await openDemo(ctx, user, { extra: '&pushDelay=0&autoSync=0' });
    await controlled(page);
    await waitText(page, '[data-testid="state"]', 'Idle');
    // Another client changes a course on the server.
    const r = await fetch(`${server.url}/api/v2/courses/c2`, {
      method: 'PATCH', headers: auth(user), body: JSON.stringify({ title: 'Changed elsewhere' }),
    });
    assert.ok(r.ok, await r.text());
    const dt = await devtools(ctx); // its about:blank page is now in front
    await dt.dispatchSync();
    await page.bringToFront();
    // The demo reads courses only through useLiveQuery: the worker's pull told it.
    await waitText(page, '[data-testid="course-c2"] [data-testid="title"]', 'Changed elsewhere');
    await ctx.close();
  });

  test('the standalone worker (options from its URL, token posted by the page) does the same', async () => {
    // The package's files as they are, plus one page: no bundler, the worker at the root.
    const dir = mkdtempSync(join(tmpdir(), 'offline-sync-standalone-'));
    cpSync(PACKAGE, dir, { recursive: true });
    writeFileSync(join(dir, 'index.html'), `<!doctype html><meta charset="utf-8"><title>starting</title>
<script type="module">
import { initOfflineSync, getSyncEngine } from './core.js';
import { sendAuthTokenToWorker } from './sw.js';
const q = new URLSearchParams(location.search);
const apiBaseUrl = q.get('api'), token = 'dev-' + q.get('user'), namespace = 'standalone-' + q.get('user');
await initOfflineSync({ apiBaseUrl, namespace, getAuthToken: () => token,
  serviceWorker: 'sw-standalone.js?' + new URLSearchParams({ apiBaseUrl, namespace }) });
await navigator.serviceWorker.ready;
window.posted = await sendAuthTokenToWorker(token);
window.engine = getSyncEngine();
document.title = 'ready';
</script>`);
    const site = await startStatic(dir);
    try {
      const user = newUser('standalone');
      const ctx = await newContext();
      const page = await ctx.newPage();
      await page.goto(`${site.url}/?api=${encodeURIComponent(server.url)}&user=${user}`);
      await page.waitForFunction(() => document.title === 'ready', null, { timeout: 20000 });
      assert.equal(await page.evaluate(() => window.posted), true, 'the token reached the worker');
      await ctx.setOffline(true);
      await page.evaluate(() => window.engine.put('course', 's1', { title: 'from the standalone worker' }));
      assert.equal(await page.evaluate(() => window.engine.pendingCount()), 1);
      await until('the sync tag', async () => (await syncTags(page))?.includes(SYNC_TAG));

      const dt = await devtools(ctx, new URL(site.url).origin);
      await page.close();
      await ctx.setOffline(false);
      await dt.dispatchSync();
      await until('the change on the server', async () => (await applied(user)).length === 1);
      assert.deepEqual(await applied(user), [1]);
      assert.equal((await serverTitles(user)).s1, 'from the standalone worker');
      assert.deepEqual(ctx.pages(), [dt.blank]);
      await ctx.close();
    } finally {
      await site.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('without Background Sync (SyncManager removed, as in Firefox and Safari)', () => {
    const noSyncManager = () => {
      delete window.SyncManager;
      // (about:blank is no secure context: it has neither)
      if (typeof ServiceWorkerRegistration !== 'undefined') delete ServiceWorkerRegistration.prototype.sync;
    };

    test('changes go out on the next start', async () => {
      const user = newUser('nextstart');
      await seed(user, 3);
      const ctx = await newContext();
      await ctx.addInitScript(noSyncManager);
      const page = await openDemo(ctx, user);
      await controlled(page);
      assert.equal(await page.evaluate(() => typeof SyncManager), 'undefined');
      await ctx.setOffline(true);
      await waitText(page, '[data-testid="online"]', 'Offline');
      await rename(page, 'c1', 'Sent on the next start');
      await waitText(page, '[data-testid="pending"]', '1');
      await page.close();

      await ctx.setOffline(false);
      await sleep(3000);
      assert.deepEqual(await applied(user), [], 'no background sync was registered: nothing is sent with no page open');

      const next = await openDemo(ctx, user);
      await until('the change on the server', async () => (await applied(user)).length === 1);
      assert.deepEqual(await applied(user), [1]);
      assert.equal((await serverTitles(user)).c1, 'Sent on the next start');
      await waitText(next, '[data-testid="pending"]', '0');
      await ctx.close();
    });

    test('changes go out on `online`', async () => {
      const user = newUser('online');
      await seed(user, 3);
      const ctx = await newContext();
      await ctx.addInitScript(noSyncManager);
      const page = await openDemo(ctx, user);
      await controlled(page);
      await ctx.setOffline(true);
      await waitText(page, '[data-testid="online"]', 'Offline');
      await rename(page, 'c2', 'Sent on online');
      await waitText(page, '[data-testid="pending"]', '1');
      await sleep(500);
      assert.deepEqual(await applied(user), []);

      await ctx.setOffline(false);
      await waitText(page, '[data-testid="online"]', 'Online');
      await waitText(page, '[data-testid="pending"]', '0');
      assert.deepEqual(await applied(user), [1]);
      assert.equal((await serverTitles(user)).c2, 'Sent on online');
      await ctx.close();
    });
  });

  test('two tabs auto-syncing every second: one sync at a time, every change applied once, same status', async () => {
    const user = newUser('tabs');
    await seed(user, 4);
    const ctx = await newContext();
    const a = await openDemo(ctx, user, { courses: 4, extra: '&autoSync=1000' });
    const b = await openDemo(ctx, user, { courses: 4, extra: '&autoSync=1000' });

    // ~10 s of edits in both tabs, each tab on its own courses, while both auto-sync.
    const last = {};
    const edit = async (page, tab, ids) => {
      for (let i = 0; Date.now() < end; i++) {
        const id = ids[i % ids.length];
        const title = `${tab} edit ${i}`;
        await rename(page, id, title);
        last[id] = title;
        await sleep(300);
      }
    };
    const end = Date.now() + 10000;
    await Promise.all([edit(a, 'A', ['c1', 'c2']), edit(b, 'B', ['c3', 'c4'])]);

    // Both tabs settle: nothing pending, not syncing, no error, and they agree.
    for (const p of [a, b]) {
      await waitText(p, '[data-testid="pending"]', '0');
      await waitText(p, '[data-testid="state"]', 'Idle');
    }
    const view = async (p) => ({
      pending: await testid(p, 'pending'),
      failed: await testid(p, 'failed'),
      online: await testid(p, 'online'),
      error: (await testid(p, 'error')).startsWith('Last sync failed'),
      titles: await p.evaluate(() =>
        Object.fromEntries([...document.querySelectorAll('[data-testid^="course-"]')].map((c) => [
          c.dataset.testid.slice('course-'.length), c.querySelector('[data-testid="title"]').textContent]))),
    });
    // A tab may still be reading its store after the last sync: poll until they agree.
    const [va, vb] = await until('both tabs to show the same status', async () => {
      const v = [await view(a), await view(b)];
      return JSON.stringify(v[0]) === JSON.stringify(v[1]) && v;
    });
    assert.deepEqual(va, vb);
    assert.deepEqual(va.titles, last, 'both tabs show the last edit of every course');
    assert.equal(va.error, false);
    assert.deepEqual(await serverTitles(user), last, 'the server has the last edit of every course');

    const s = await stats(user);
    const counts = Object.values(s.applyCounts);
    assert.ok(counts.length >= 4, `changes were pushed (${counts.length})`);
    assert.ok(counts.every((n) => n === 1), `every change applied exactly once: ${JSON.stringify(s.applyCounts)}`);
    // Both tabs share one database, hence one client id: its requests never overlapped.
    const clients = Object.keys(s.maxConcurrent).filter((k) => k !== '(no client id)');
    assert.equal(clients.length, 1, `one client id: ${JSON.stringify(s.maxConcurrent)}`);
    assert.equal(s.maxConcurrent[clients[0]], 1, `never two requests of the client at once: ${JSON.stringify(s.maxConcurrent)}`);
    assert.ok(s.pushRequests + s.pullRequests >= 6, `the tabs did sync repeatedly (${s.pushRequests} pushes, ${s.pullRequests} pulls)`);
    await ctx.close();
  });

  test('no uncaught errors in the pages', () => {
    assert.deepEqual(pageErrors, []);
  });
});
