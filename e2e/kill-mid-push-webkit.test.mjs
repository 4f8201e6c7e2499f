// e2e/kill-mid-push.test.mjs in WebKit, Safari's engine (e2e/webkit.mjs): the tab
// is closed while its push is in flight (after the server applied it, before the
// answer arrived), then the app is opened again in a new tab: every change reaches
// the server exactly once. Closing the tab is how a page dies here: killing
// WebKit's web process ends the WebDriver session, and the data store with it.
// A blank tab keeps the session (and its data store) alive meanwhile.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { admin, adminStats, waitForApplied, ROOT, serverTitles, startStatic, startSyncServer } from './lib.mjs';
import { relay, startWebKit } from './webkit.mjs';

const DIST = join(ROOT, 'www/dist');
const USER = 'demo';
const card = (id) => `[data-testid="course-${id}"]`;
const title = (id) => `${card(id)} [data-testid="title"]`;

describe('closing the WebKit tab in the middle of a push', () => {
  let server, api, demo, webkit, page;

  before(async () => {
    assert.ok(existsSync(join(DIST, 'index.html')), 'www/dist is missing: build the demo first');
    server = await startSyncServer(['--enable-admin']);
    api = await relay(server.url);
    demo = await startStatic(DIST);
    webkit = await startWebKit();
    page = await webkit.session();
  });

  after(async () => {
    await page?.close().catch(() => {});
    await webkit?.stop();
    await api?.close();
    await demo?.stop();
    await server?.stop();
  });

  test('then opening it again and syncing applies every change exactly once', async () => {
    const url = `${demo.url}/?api=${encodeURIComponent(api.url)}&user=${USER}&autoSync=0`;
    await page.switchTo(await page.newTab());
    await page.goto(url);
    await page.waitFor(() => document.querySelectorAll('[data-testid^="course-"]').length === 6, 'six courses');

    // Three edits made with the network gone.
    api.cut(true);
    const edits = { 'course-1': 'Killed 1', 'course-2': 'Killed 2', 'course-3': 'Killed 3' };
    for (const [id, t] of Object.entries(edits)) {
      await page.click(`${card(id)} [data-testid="edit"]`);
      await page.fill(`${card(id)} input`, t);
      await page.click(`${card(id)} button[type="submit"]`);
      await page.waitText(title(id), t);
    }
    await page.waitText('[data-testid="pending"]', '3');

    // Back online, the push goes out; the server applies and commits it but holds
    // the answer, and the tab is closed in between: the change is in, the client
    // cannot know.
    await admin(server.url, '/__admin/faults', { user: USER, delayAfterApplyMs: 3000 });
    api.cut(false);
    await page.eval(() => window.dispatchEvent(new Event('online')));
    await waitForApplied(server.url, USER, 3);
    await page.closeTab();
    await admin(server.url, '/__admin/faults', { user: USER });

    // Opened again: the changes are still queued (the answer never came) and go out
    // again under the same mutation ids; the server answers from its log.
    await page.switchTo(await page.newTab());
    await page.goto(url);
    for (const [id, t] of Object.entries(edits)) await page.waitText(title(id), t);
    await page.click('[data-testid="sync-now"]');
    await page.waitText('[data-testid="pending"]', '0');

    const stats = await adminStats(server.url, USER);
    const counts = Object.values(stats.applyCounts);
    assert.ok(counts.length >= 3, `the three edits were applied: ${JSON.stringify(stats.applyCounts)}`);
    assert.ok(stats.pushRequests >= 2, `the cut-off push was sent again (${stats.pushRequests} pushes)`);
    assert.ok(counts.every((n) => n === 1), `every mutation applied exactly once: ${JSON.stringify(stats.applyCounts)}`);
    const titles = await serverTitles(server.url, USER);
    for (const [id, t] of Object.entries(edits)) assert.equal(titles[id], t);
    await page.closeTab();
  });
});
