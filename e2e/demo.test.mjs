// The demo (www/dist, built from the packed package) in real Chromium against a
// real reference server: first sync, offline edit surviving an offline reload,
// sync when back online seen by a second browser profile, sync on visibility,
// Sync Now, download for offline, a conflict resolved from the "needs your
// attention" list, an edit in one tab shown live in another. Saves docs/demo.png.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launch, ROOT, serverTitles, startStatic, startSyncServer } from './lib.mjs';

const DIST = join(ROOT, 'www/dist');
const EDITED = 'Rust Fundamentals (edited offline)';
const sel = {
  card: (id) => `[data-testid="course-${id}"]`,
  title: (id) => `[data-testid="course-${id}"] [data-testid="title"]`,
};
const text = (page, testid) => page.locator(`[data-testid="${testid}"]`).innerText();
const count = async (page) => Number(await text(page, 'sync-count'));
const waitText = (page, selector, expected, timeout = 15000) =>
  page.waitForFunction(([s, t]) => document.querySelector(s)?.textContent === t, [selector, expected], { timeout });
const waitCountAbove = (page, n, timeout = 15000) =>
  page.waitForFunction((n) => Number(document.querySelector('[data-testid="sync-count"]')?.textContent) > n, n, { timeout });

describe('demo app', () => {
  let server, demo, browser, ctx, page, url;
  const errors = [];

  before(async () => {
    assert.ok(existsSync(join(DIST, 'index.html')), 'www/dist is missing: build the demo first');
    server = await startSyncServer();
    demo = await startStatic(DIST);
    url = `${demo.url}/?api=${encodeURIComponent(server.url)}`;
    browser = await launch();
    ctx = await browser.newContext({ viewport: { width: 1100, height: 620 } });
    page = await ctx.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
  });

  after(async () => {
    await browser?.close();
    await demo?.stop();
    await server?.stop();
  });

  test('shows the seeded courses after the first sync', async () => {
    await page.goto(url);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid^="course-"]').length === 6);
    assert.equal(await page.locator(sel.title('course-1')).innerText(), 'Rust Fundamentals');
    assert.equal(await text(page, 'online'), 'Online');
    assert.ok((await count(page)) >= 1);
    assert.equal(await text(page, 'pending'), '0');
    // The demo's service worker has cached the shell (index, JS, CSS, wasm).
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 15000 });
  });

  test('an edit made offline survives an offline reload', async () => {
    await ctx.setOffline(true);
    await waitText(page, '[data-testid="online"]', 'Offline');
    await page.click(`${sel.card('course-1')} [data-testid="edit"]`);
    await page.fill(`${sel.card('course-1')} input`, EDITED);
    await page.click(`${sel.card('course-1')} button[type="submit"]`);
    await waitText(page, sel.title('course-1'), EDITED);
    await waitText(page, '[data-testid="pending"]', '1');

    await page.reload();
    await waitText(page, sel.title('course-1'), EDITED);
    assert.equal(await text(page, 'online'), 'Offline');
    await waitText(page, '[data-testid="pending"]', '1');
  });

  test('back online it syncs, and another browser profile gets the edit', async () => {
    const before = await count(page);
    await ctx.setOffline(false);
    await waitText(page, '[data-testid="online"]', 'Online');
    await waitText(page, '[data-testid="pending"]', '0'); // the `online` event synced it
    assert.ok((await count(page)) > before);

    const other = await browser.newContext(); // its own IndexedDB
    const page2 = await other.newPage();
    await page2.goto(url);
    await waitText(page2, sel.title('course-1'), EDITED);
    await other.close();
  });

  test('hiding and showing the page syncs', async () => {
    // Playwright keeps pages visible (microsoft/playwright#3570), so play the
    // browser's part: change document.visibilityState and fire visibilitychange.
    const setVisibility = (state) =>
      page.evaluate((state) => {
        Object.defineProperty(document, 'visibilityState', { value: state, configurable: true });
        Object.defineProperty(document, 'hidden', { value: state === 'hidden', configurable: true });
        document.dispatchEvent(new Event('visibilitychange'));
      }, state);
    await waitText(page, '[data-testid="state"]', 'Idle');
    const n = await count(page);
    await setVisibility('hidden');
    await page.waitForTimeout(300);
    assert.equal(await count(page), n, 'hiding the page must not sync');
    await setVisibility('visible');
    await waitCountAbove(page, n);
  });

  test('Sync Now syncs', async () => {
    await waitText(page, '[data-testid="state"]', 'Idle');
    const n = await count(page);
    await page.click('[data-testid="sync-now"]');
    await waitCountAbove(page, n);
    assert.equal(await text(page, 'last-sync'), '0s ago');
  });

  test('Download for offline marks the course', async () => {
    await page.click(`${sel.card('course-2')} [data-testid="download"]`);
    await page.waitForSelector(`${sel.card('course-2')} [data-testid="offline-ready"]`);
    // Survives a reload (it is stored, not component state).
    await page.reload();
    await page.waitForSelector(`${sel.card('course-2')} [data-testid="offline-ready"]`);
  });

  test('a title changed on two devices needs attention, and Keep mine sends mine', async () => {
    const edit = async (p, title) => {
      await p.click(`${sel.card('course-3')} [data-testid="edit"]`);
      await p.fill(`${sel.card('course-3')} input`, title);
      await p.click(`${sel.card('course-3')} button[type="submit"]`);
      await waitText(p, sel.title('course-3'), title);
    };
    await waitText(page, '[data-testid="state"]', 'Idle');
    await ctx.setOffline(true);
    await waitText(page, '[data-testid="online"]', 'Offline');
    // Another device renames the course and pushes at once.
    const other = await browser.newContext();
    const page2 = await other.newPage();
    await page2.goto(url);
    await page2.waitForSelector(sel.title('course-3'));
    await edit(page2, 'Theirs');
    // On the server (pushed at once), before this page comes back with its own.
    const onServer = async (title) => {
      for (let i = 0; i < 100 && (await serverTitles(server.url, 'demo'))['course-3'] !== title; i++) {
        await page.waitForTimeout(100);
      }
      assert.equal((await serverTitles(server.url, 'demo'))['course-3'], title);
    };
    await onServer('Theirs');
    // This one renames it offline, on the version it had, then comes back.
    await edit(page, 'Mine');
    await ctx.setOffline(false);
    const item = '[data-testid="conflict-course-3"]';
    await page.waitForSelector(item, { timeout: 15000 });
    assert.match(await page.locator('[data-testid="conflicts"] h2').innerText(), /1 change needs your attention/);
    assert.match(await page.locator(item).innerText(), /yours “Mine”, theirs “Theirs”/);
    await waitText(page, sel.title('course-3'), 'Theirs'); // the server's version meanwhile
    await page.click(`${item} [data-testid="keep-mine"]`);
    await page.waitForSelector('[data-testid="conflicts"]', { state: 'detached' });
    await waitText(page, sel.title('course-3'), 'Mine');
    await onServer('Mine'); // sent at once
    await waitText(page, '[data-testid="pending"]', '0');
    await page2.click('[data-testid="sync-now"]');
    await waitText(page2, sel.title('course-3'), 'Mine');
    await other.close();
  });

  test('two tabs: an edit in one shows in the other without a reload (live queries)', async () => {
    const tab2 = await ctx.newPage(); // same profile: same IndexedDB, same BroadcastChannel
    tab2.on('pageerror', (e) => errors.push(e.message));
    await tab2.goto(url);
    await tab2.waitForFunction(() => document.querySelectorAll('[data-testid^="course-"]').length === 6);
    // Each card's lesson count is a live query of its lessons.
    await tab2.waitForFunction(() => /^[1-9]\d* lessons$/.test(document.querySelector('[data-testid="course-course-3"] [data-testid="lessons"]')?.textContent ?? ''));
    const edited = 'Edited in the first tab';
    await page.click(`${sel.card('course-3')} [data-testid="edit"]`);
    await page.fill(`${sel.card('course-3')} input`, edited);
    await page.click(`${sel.card('course-3')} button[type="submit"]`);
    await waitText(page, sel.title('course-3'), edited);
    await waitText(tab2, sel.title('course-3'), edited, 5000);
    // And back: the second tab's edit shows in the first.
    await tab2.click(`${sel.card('course-4')} [data-testid="edit"]`);
    await tab2.fill(`${sel.card('course-4')} input`, 'Edited in the second tab');
    await tab2.click(`${sel.card('course-4')} button[type="submit"]`);
    await waitText(page, sel.title('course-4'), 'Edited in the second tab', 5000);
    await tab2.close();
  });

  test('screenshot for the README (docs/demo.png)', async () => {
    await waitText(page, '[data-testid="state"]', 'Idle');
    await page.mouse.move(0, 0);
    mkdirSync(join(ROOT, 'docs'), { recursive: true });
    await page.screenshot({ path: join(ROOT, 'docs/demo.png') });
    assert.deepEqual(errors, [], 'no uncaught errors in the page');
  });
});
