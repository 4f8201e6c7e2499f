// The fresh Vite + React app of e2e/package.test.mjs (the packed tarball installed
// into an ordinary app, built with Vite's defaults) in WebKit, Safari's engine
// (e2e/webkit.mjs): it loads, initialises, syncs, queues a change and the server
// gets it once. Then the same app in private browsing, in each browser: WebKit
// (MiniBrowser --private, as a Safari private window), Firefox (permanent private
// browsing, through geckodriver) and Chromium (Playwright's browser contexts are
// off-the-record profiles, as an incognito window): IndexedDB is there, for the
// window's lifetime, and the engine works in it (docs/safari.md).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminStats, launch, run, serverTitles, startStatic, startSyncServer, tarball } from './lib.mjs';
import { startFirefox, startWebKit } from './webkit.mjs';

const FIXTURE = join(import.meta.dirname, 'fresh-app');

// The app, loaded and synced, then its README "Sync Engine" example (a full sync,
// a course downloaded, a change queued); the hooks push the change at once. The
// server (a fresh one: the fixture's user and namespace are fixed) has it, once.
// `page` is e2e/webkit.mjs's WebDriver page or an adapter over Playwright's.
async function runsTheApp(page, siteUrl) {
  const server = await startSyncServer(['--enable-admin']);
  try {
    await page.goto(`${siteUrl}/?api=${encodeURIComponent(server.url)}`);
    await page.waitFor(
      () => [...document.querySelectorAll('.basic')].filter((d) => d.textContent.startsWith('Status: Online')
        && Number(d.querySelector('.count').textContent) >= 1).length === 3,
      'the three hooks to have synced',
    );
    await page.waitFor(() => window.events.includes('complete'), 'onSyncComplete');
    const demo = await page.eval(() => window.engineDemo());
    assert.equal(demo.sync.success, true, JSON.stringify(demo.sync));
    assert.equal(demo.download, true);
    assert.equal(demo.queued, 'string');
    assert.equal(demo.course.title, 'New Title');
    for (let i = 0; (await serverTitles(server.url, 'demo'))['course-1'] !== 'New Title'; i++) {
      assert.ok(i < 100, 'the server got the queued change within 15 s');
      await new Promise((r) => setTimeout(r, 150));
    }
    const { applyCounts } = await adminStats(server.url, 'demo');
    assert.deepEqual(Object.values(applyCounts), [1], `applied once: ${JSON.stringify(applyCounts)}`);
    const events = await page.eval(() => window.events);
    assert.ok(!events.some((e) => e.startsWith('failed') || e.startsWith('init failed')), JSON.stringify(events));
  } finally {
    await server.stop();
  }
}

describe('the fresh Vite app from the tarball, in WebKit and in private browsing', () => {
  let app, site;

  before(async () => {
    app = mkdtempSync(join(tmpdir(), 'offline-sync-fresh-webkit-'));
    for (const f of ['package.json', 'package-lock.json', 'index.html', 'src']) cpSync(join(FIXTURE, f), join(app, f), { recursive: true });
    await run('npm', ['ci', '--no-audit', '--no-fund'], app);
    await run('npm', ['install', '--no-save', '--no-audit', '--no-fund', tarball()], app);
    await run(join(app, 'node_modules/.bin/vite'), ['build'], app);
    assert.ok(readdirSync(join(app, 'dist/assets')).some((f) => f.endsWith('.wasm')));
    site = await startStatic(join(app, 'dist'));
  });

  after(async () => {
    await site?.stop();
    if (app) rmSync(app, { recursive: true, force: true });
  });

  test('WebKit: it loads, initialises, syncs, and a queued change reaches the server once', async () => {
    const webkit = await startWebKit();
    try {
      const page = await webkit.session();
      await runsTheApp(page, site.url);
      await page.close();
    } finally {
      await webkit.stop();
    }
  });

  test('WebKit private browsing (MiniBrowser --private): the engine works there', async () => {
    const webkit = await startWebKit();
    try {
      const page = await webkit.session({ private: true });
      await runsTheApp(page, site.url);
      await page.close();
    } finally {
      await webkit.stop();
    }
  });

  test('Firefox private browsing (browser.privatebrowsing.autostart): the engine works there', async () => {
    const firefox = await startFirefox();
    try {
      const page = await firefox.session({ private: true });
      // Permanent private browsing is on in this profile.
      assert.equal(await page.eval(() => typeof indexedDB), 'object');
      await runsTheApp(page, site.url);
      await page.close();
    } finally {
      await firefox.stop();
    }
  });

  test('Chromium incognito (an off-the-record browser context): the engine works there', async () => {
    const browser = await launch();
    try {
      const ctx = await browser.newContext();
      const p = await ctx.newPage();
      const page = {
        goto: (url) => p.goto(url),
        eval: (fn, ...args) => p.evaluate(fn, ...args),
        waitFor: (fn, what) => p.waitForFunction(fn, null, { timeout: 20000 }).catch((e) => {
          throw new Error(`timed out waiting for ${what}: ${e.message}`);
        }),
      };
      await runsTheApp(page, site.url);
      await ctx.close();
    } finally {
      await browser.close();
    }
  });
});
