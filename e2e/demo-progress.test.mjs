// The demo's progress bars (issue 22) in real Chromium against the reference
// server: the first sync of an account with 3,000 lessons shows status.progress as
// a bar that rises to its total and goes away, and "Download for offline" shows
// the download's own bar up to its total before the card says it is available
// offline. The link is slowed (DevTools network emulation: 150 ms per request) so
// a bar is on screen long enough to be seen; what the test reads is every value
// the bars took, recorded in the page as they changed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { launch, ROOT, startStatic, startSyncServer } from './lib.mjs';

const DIST = join(ROOT, 'www/dist');
const USER = 'progress';
const LESSONS = 3000;

/** The course `big` and its lessons, pushed as another client would have. */
async function seed(api) {
  const mutations = [{ mutationId: 'big', op: 'CREATE', entityType: 'course', entityId: 'big', data: { id: 'big', title: 'A big course', level: 'advanced' } }];
  for (let i = 0; i < LESSONS; i++) {
    mutations.push({ mutationId: `big-${i}`, op: 'CREATE', entityType: 'lesson', entityId: `big-l${i}`, data: { id: `big-l${i}`, courseId: 'big', title: `Lesson ${i}` } });
  }
  for (let i = 0; i < mutations.length; i += 100) {
    const r = await fetch(`${api}/sync/push`, {
      method: 'POST',
      headers: { Authorization: `Bearer dev-${USER}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ clientId: 'seed', mutations: mutations.slice(i, i + 100) }),
    });
    assert.equal(r.status, 200, await r.text());
  }
}

/** Records, in the page, every state of the progress bars as it appears. */
function recordBars() {
  window.__bars = [];
  const seen = () => {
    for (const el of document.querySelectorAll('[data-testid$="-progress"]')) {
      const last = window.__bars.findLast((b) => b.id === el.dataset.testid);
      const b = { id: el.dataset.testid, loaded: Number(el.dataset.loaded), total: el.dataset.total === '' ? null : Number(el.dataset.total) };
      if (!last || last.loaded !== b.loaded || last.total !== b.total) window.__bars.push(b);
    }
  };
  new MutationObserver(seen).observe(document, { subtree: true, childList: true, attributes: true });
}

const bars = (page, id) => page.evaluate((id) => window.__bars.filter((b) => b.id === id), id);

describe('demo progress bars', () => {
  let server, demo, browser, page;
  const errors = [];

  before(async () => {
    assert.ok(existsSync(join(DIST, 'index.html')), 'www/dist is missing: build the demo first');
    server = await startSyncServer();
    await seed(server.url);
    demo = await startStatic(DIST);
    browser = await launch();
    const ctx = await browser.newContext({ viewport: { width: 1100, height: 620 } });
    await ctx.addInitScript(recordBars);
    page = await ctx.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    const cdp = await ctx.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 150, downloadThroughput: -1, uploadThroughput: -1 });
  });

  after(async () => {
    await browser?.close();
    await demo?.stop();
    await server?.stop();
  });

  test('the first sync shows a bar that rises to its total and goes away', async () => {
    await page.goto(`${demo.url}/?api=${encodeURIComponent(server.url)}&user=${USER}`);
    await page.waitForSelector('[data-testid="course-big"]', { timeout: 30000 }).catch(async (e) => {
      throw new Error(`${e.message}\n${await page.locator('body').innerText()}`);
    });
    await page.waitForFunction(() => !document.querySelector('[data-testid="sync-progress"]'), null, { timeout: 15000 });
    const seen = await bars(page, 'sync-progress');
    assert.ok(seen.length >= 2, `the bar showed while the sync ran: ${JSON.stringify(seen)}`);
    const total = LESSONS + 1;
    assert.ok(seen.every((b) => b.total === total), JSON.stringify(seen));
    assert.ok(seen[0].loaded < total, `it started below the total: ${JSON.stringify(seen)}`);
    assert.equal(seen.at(-1).loaded, total, 'and completed');
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i].loaded > seen[i - 1].loaded, JSON.stringify(seen));
  });

  test('a download shows its own bar up to the total, then "available offline"', async () => {
    await page.click('[data-testid="course-big"] [data-testid="download"]');
    await page.waitForSelector('[data-testid="course-big"] [data-testid="offline-ready"]', { timeout: 30000 });
    const seen = await bars(page, 'download-progress');
    assert.ok(seen.length >= 2, `the bar showed while the download ran: ${JSON.stringify(seen)}`);
    assert.ok(seen[0].loaded < LESSONS + 1, JSON.stringify(seen));
    assert.equal(seen.at(-1).loaded, LESSONS + 1, 'and completed');
    assert.equal(seen.at(-1).total, LESSONS + 1);
    assert.equal(await page.locator('[data-testid="download-progress"]').count(), 0, 'gone once done');
    assert.deepEqual(errors, []);
  });
});
