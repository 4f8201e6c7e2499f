// The demo (www/dist) in WebKit, Safari's engine (e2e/webkit.mjs: WebKitGTK's
// MiniBrowser through WebKitWebDriver), against a real reference server: first
// sync, an edit made with the network gone survives a reload with the network
// gone, and goes out once it is back (the `online` event), applied once.
//
// WebKitWebDriver has no network emulation: the browser reaches both the demo and
// the reference server through relays the test cuts (e2e/webkit.mjs). Cutting them
// does not change `navigator.onLine`, as on a train whose Wi-Fi has no uplink; the
// engine finds out from the failed requests, and the test fires `online` itself
// once they are back. A change made with the network gone in a tab that is then
// closed goes out when the app is opened again (no Background Sync in WebKit: the
// next start does it). Then two tabs of one user, both auto-syncing every second
// while the test edits in each: one sync at a time (one Web Lock per namespace),
// every change applied once.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { adminStats, ROOT, serverTitles, startStatic, startSyncServer } from './lib.mjs';
import { relay, startWebKit } from './webkit.mjs';

const DIST = join(ROOT, 'www/dist');
const EDITED = 'Rust Fundamentals (edited offline in WebKit)';
const card = (id) => `[data-testid="course-${id}"]`;
const title = (id) => `${card(id)} [data-testid="title"]`;

describe('demo app in WebKit', () => {
  let server, demo, api, site, webkit, page, url, seeded;
  // course-1 as the server has it (one row per entity, its latest version).
  const serverCourse1 = async () => {
    const r = await fetch(`${server.url}/sync/pull?cursor=`, { headers: { Authorization: 'Bearer dev-demo' } });
    assert.equal(r.status, 200);
    const { changes } = await r.json();
    const rows = changes.filter((c) => c.entityType === 'course' && c.id === 'course-1');
    assert.equal(rows.length, 1, JSON.stringify(rows));
    return rows[0];
  };

  before(async () => {
    assert.ok(existsSync(join(DIST, 'index.html')), 'www/dist is missing: build the demo first');
    server = await startSyncServer(['--enable-admin']);
    api = await relay(server.url);
    demo = await startStatic(DIST);
    site = await relay(demo.url);
    url = `${site.url}/?api=${encodeURIComponent(api.url)}`;
    webkit = await startWebKit();
    page = await webkit.session();
  });

  after(async () => {
    await page?.close().catch(() => {});
    await webkit?.stop();
    await site?.close();
    await api?.close();
    await demo?.stop();
    await server?.stop();
  });

  test('shows the seeded courses after the first sync', async () => {
    await page.goto(url);
    await page.waitFor(() => document.querySelectorAll('[data-testid^="course-"]').length === 6, 'six courses');
    assert.equal(await page.eval((s) => document.querySelector(s).textContent, title('course-1')), 'Rust Fundamentals');
    assert.equal(await page.text('pending'), '0');
    assert.equal(await page.eval(() => typeof SyncManager), 'undefined', 'WebKit has no Background Sync');
    // The demo's service worker has cached the shell, so the page loads offline.
    await page.waitFor(() => navigator.serviceWorker.controller !== null, 'the service worker to control the page');
    seeded = await serverCourse1();
  });

  test('an edit made with the network gone survives a reload with the network gone', async () => {
    api.cut(true);
    site.cut(true);
    await page.click(`${card('course-1')} [data-testid="edit"]`);
    await page.fill(`${card('course-1')} input`, EDITED);
    await page.click(`${card('course-1')} button[type="submit"]`);
    await page.waitText(title('course-1'), EDITED);
    await page.waitText('[data-testid="pending"]', '1');

    await page.eval(() => (window.beforeReload = true));
    await page.reload();
    assert.equal(await page.eval(() => window.beforeReload ?? false), false, 'a new page, from the service worker');
    await page.waitText(title('course-1'), EDITED);
    // The start-up sync failed (no network): the change is still queued.
    await page.waitText('[data-testid="pending"]', '1');
  });

  test('back online it syncs, and the server has the edit once', async () => {
    api.cut(false);
    site.cut(false);
    await page.eval(() => window.dispatchEvent(new Event('online')));
    await page.waitText('[data-testid="pending"]', '0');
    const now = await serverCourse1();
    assert.equal(now.data.title, EDITED);
    assert.equal(now.version, seeded.version + 1, 'applied once');
  });

  test('two tabs auto-syncing every second: one sync at a time, every change applied once', async () => {
    const user = `wktabs${Date.now()}`;
    const auth = { Authorization: `Bearer dev-${user}`, 'Content-Type': 'application/json' };
    for (let i = 1; i <= 4; i++) {
      const r = await fetch(`${server.url}/api/v2/courses`, {
        method: 'POST', headers: auth, body: JSON.stringify({ id: `c${i}`, title: `Course ${i}`, level: 'beginner' }),
      });
      assert.equal(r.status, 201, await r.text());
    }
    const tabUrl = `${demo.url}/?api=${encodeURIComponent(server.url)}&user=${user}&autoSync=1000`;
    const four = () => document.querySelectorAll('[data-testid^="course-"]').length === 4;
    const a = await page.newTab();
    await page.switchTo(a);
    await page.goto(tabUrl);
    await page.waitFor(four, 'four courses in tab A');
    const b = await page.newTab();
    await page.switchTo(b);
    await page.goto(tabUrl);
    await page.waitFor(four, 'four courses in tab B');

    // ~8 s of edits, in turns (one WebDriver session drives one tab at a time),
    // each tab on its own courses, while both auto-sync.
    const last = {};
    const end = Date.now() + 8000;
    for (let i = 0; Date.now() < end; i++) {
      for (const [tab, name, ids] of [[a, 'A', ['c1', 'c2']], [b, 'B', ['c3', 'c4']]]) {
        await page.switchTo(tab);
        const id = ids[i % 2];
        const t = `${name} edit ${i}`;
        await page.click(`${card(id)} [data-testid="edit"]`);
        await page.fill(`${card(id)} input`, t);
        await page.click(`${card(id)} button[type="submit"]`);
        await page.waitText(title(id), t);
        last[id] = t;
      }
    }
    for (const tab of [a, b]) {
      await page.switchTo(tab);
      await page.waitText('[data-testid="pending"]', '0');
    }
    // A tab's "pending 0" can be the count from before its last edit: WebKit slows
    // the timers of a tab in the background (the other one was driven meanwhile),
    // and the count follows a change by 100 ms. The server has each last edit once
    // both tabs' syncs ran; wait for that (bounded), then check it exactly.
    let titles = {};
    for (let i = 0; i < 100; i++) {
      titles = await serverTitles(server.url, user);
      if (Object.keys(last).every((id) => titles[id] === last[id])) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.deepEqual(titles, last, 'the server has the last edit of every course');
    const s = await adminStats(server.url, user);
    const counts = Object.values(s.applyCounts);
    assert.ok(counts.length >= 4, `changes were pushed (${counts.length})`);
    assert.ok(counts.every((n) => n === 1), `every change applied exactly once: ${JSON.stringify(s.applyCounts)}`);
    // Both tabs share one database, hence one client id: its requests never overlapped.
    const clients = Object.keys(s.maxConcurrent).filter((k) => k !== '(no client id)');
    assert.equal(clients.length, 1, `one client id: ${JSON.stringify(s.maxConcurrent)}`);
    assert.equal(s.maxConcurrent[clients[0]], 1, `never two requests at once: ${JSON.stringify(s.maxConcurrent)}`);
    assert.ok(s.pushRequests + s.pullRequests >= 6, `the tabs synced repeatedly (${s.pushRequests} pushes, ${s.pullRequests} pulls)`);
  });

  test('a change left queued by a closed tab goes out on the next start', async () => {
    const user = `wkstart${Date.now()}`;
    const r = await fetch(`${server.url}/api/v2/courses`, {
      method: 'POST',
      headers: { Authorization: `Bearer dev-${user}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ id: 'c1', title: 'Course 1', level: 'beginner' }),
    });
    assert.equal(r.status, 201, await r.text());
    const appUrl = `${demo.url}/?api=${encodeURIComponent(api.url)}&user=${user}`;
    const one = () => document.querySelectorAll('[data-testid^="course-"]').length === 1;
    await page.switchTo(await page.newTab());
    await page.goto(appUrl);
    await page.waitFor(one, 'the course');
    api.cut(true);
    await page.click(`${card('c1')} [data-testid="edit"]`);
    await page.fill(`${card('c1')} input`, 'Sent on the next start');
    await page.click(`${card('c1')} button[type="submit"]`);
    await page.waitText('[data-testid="pending"]', '1');
    await page.closeTab();

    api.cut(false);
    await page.switchTo(await page.newTab());
    await page.goto(appUrl);
    // The local view has it from the queue; the start-up sync sends it.
    await page.waitText(title('c1'), 'Sent on the next start');
    for (let i = 0; (await serverTitles(server.url, user)).c1 !== 'Sent on the next start'; i++) {
      assert.ok(i < 100, 'the server got the change within 15 s of the start');
      await new Promise((r) => setTimeout(r, 150));
    }
    await page.waitText('[data-testid="pending"]', '0');
    const s = await adminStats(server.url, user);
    assert.deepEqual(Object.values(s.applyCounts), [1], JSON.stringify(s.applyCounts));
    await page.closeTab();
  });
});
