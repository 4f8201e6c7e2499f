// The page is killed while its push is in flight (Playwright closes it after the
// server applied the push, before the answer arrived), then opened again: every
// change reaches the server exactly once. Real Chromium, the
// built demo, the reference server with its admin API (to hold the push in flight
// and to count applications per mutation id).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { admin, adminStats, waitForApplied, launch, ROOT, serverTitles, startStatic, startSyncServer } from './lib.mjs';

const DIST = join(ROOT, 'www/dist');
const USER = 'demo';
const titleSel = (id) => `[data-testid="course-${id}"] [data-testid="title"]`;
const waitText = (page, selector, expected, timeout = 20000) =>
  page.waitForFunction(([s, t]) => document.querySelector(s)?.textContent === t, [selector, expected], { timeout });


describe('killing the page in the middle of a push', () => {
  let server, demo, browser;

  before(async () => {
    assert.ok(existsSync(join(DIST, 'index.html')), 'www/dist is missing: build the demo first');
    server = await startSyncServer(['--enable-admin']);
    demo = await startStatic(DIST);
    browser = await launch();
  });

  after(async () => {
    await browser?.close();
    await demo?.stop();
    await server?.stop();
  });

  test('then opening it again and syncing applies every change exactly once', async () => {
    // No service worker: only the page may deliver the changes, so the test is
    // about the page being killed, not about background sync rescuing it.
    const ctx = await browser.newContext({ serviceWorkers: 'block' });
    const url = `${demo.url}/?api=${encodeURIComponent(server.url)}&user=${USER}&autoSync=0`;
    let page = await ctx.newPage();
    await page.goto(url);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid^="course-"]').length === 6);

    // Three edits made offline.
    await ctx.setOffline(true);
    await waitText(page, '[data-testid="online"]', 'Offline');
    const edits = { 'course-1': 'Killed 1', 'course-2': 'Killed 2', 'course-3': 'Killed 3' };
    for (const [id, title] of Object.entries(edits)) {
      await page.click(`[data-testid="course-${id}"] [data-testid="edit"]`);
      await page.fill(`[data-testid="course-${id}"] input`, title);
      await page.click(`[data-testid="course-${id}"] button[type="submit"]`);
      await waitText(page, titleSel(id), title);
    }
    await waitText(page, '[data-testid="pending"]', '3');

    // Back online, the push goes out; the server applies and commits it but holds
    // the answer, and the page dies in between: the worst moment, when the change
    // is in but the client cannot know.
    await admin(server.url, '/__admin/faults', { user: USER, delayAfterApplyMs: 3000 });
    await ctx.setOffline(false);
    await waitForApplied(server.url, USER, 3);
    await page.close({ runBeforeUnload: false });
    await admin(server.url, '/__admin/faults', { user: USER });

    // Opened again: the changes are still queued (the answer never came) and go out
    // again under the same mutation ids; the server answers from its log.
    page = await ctx.newPage();
    await page.goto(url);
    for (const [id, title] of Object.entries(edits)) await waitText(page, titleSel(id), title);
    await page.click('[data-testid="sync-now"]');
    await waitText(page, '[data-testid="pending"]', '0');

    const stats = await adminStats(server.url, USER);
    const counts = Object.values(stats.applyCounts);
    assert.ok(counts.length >= 3, `the three edits were applied: ${JSON.stringify(stats.applyCounts)}`);
    assert.ok(stats.pushRequests >= 2, `the killed push was sent again (${stats.pushRequests} pushes)`);
    assert.ok(counts.every((n) => n === 1), `every mutation applied exactly once: ${JSON.stringify(stats.applyCounts)}`);
    const titles = await serverTitles(server.url, USER);
    for (const [id, title] of Object.entries(edits)) assert.equal(titles[id], title);
    await ctx.close();
  });
});
