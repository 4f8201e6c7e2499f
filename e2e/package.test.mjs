// The packed tarball installed into a fresh, ordinary Vite + React app (no
// vite.config, no plugin): it builds, imports under Node (SSR), and in Chromium
// runs the old README's examples with the wasm fetched once for five components;
// StrictMode leaves one set of listeners, unmounting removes them. Vite's dev
// server serves it too.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, ROOT, run, start, startStatic, startSyncServer, tarball } from './lib.mjs';

const FIXTURE = join(import.meta.dirname, 'fresh-app');

// Counts the window/document listeners the library adds, from before any script runs.
const countListeners = () => {
  const live = (window.__listeners = { online: 0, offline: 0, visibilitychange: 0 });
  for (const target of [window, document]) {
    const add = target.addEventListener.bind(target);
    const remove = target.removeEventListener.bind(target);
    target.addEventListener = (type, ...rest) => { if (type in live) live[type]++; return add(type, ...rest); };
    target.removeEventListener = (type, ...rest) => { if (type in live) live[type]--; return remove(type, ...rest); };
  }
};

async function openApp(browser, url, { wait = true, route } = {}) {
  const page = await browser.newPage();
  if (route) await page.route('**/*.wasm', route);
  const wasm = [];
  const errors = [];
  page.on('request', (r) => r.url().endsWith('.wasm') && wasm.push(r.url()));
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text())); // e.g. React's getSnapshot warnings
  await page.addInitScript(countListeners);
  await page.goto(url);
  if (wait) await waitSynced(page);
  return { page, wasm, errors };
}

function waitSynced(page) {
  return page.waitForFunction(
    () => [...document.querySelectorAll('.basic')].filter((d) => d.textContent.startsWith('Status: Online')
      && Number(d.querySelector('.count').textContent) >= 1).length === 3,
    null, { timeout: 20000 },
  );
}

describe('package installed from the tarball into a fresh Vite + React app', () => {
  let app, server, browser;

  before(async () => {
    app = mkdtempSync(join(tmpdir(), 'offline-sync-fresh-'));
    for (const f of ['package.json', 'package-lock.json', 'index.html', 'src']) cpSync(join(FIXTURE, f), join(app, f), { recursive: true });
    await run('npm', ['ci', '--no-audit', '--no-fund'], app);
    await run('npm', ['install', '--no-save', '--no-audit', '--no-fund', tarball()], app);
    server = await startSyncServer();
    browser = await launch();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    if (app) rmSync(app, { recursive: true, force: true });
  });

  test('it has no Vite config and builds with the defaults', async () => {
    assert.deepEqual(readdirSync(app).filter((f) => f.startsWith('vite.config')), []);
    await run(join(app, 'node_modules/.bin/vite'), ['build'], app);
    assert.ok(readdirSync(join(app, 'dist/assets')).some((f) => f.endsWith('.wasm')), 'the .wasm is emitted as an asset');
  });

  test('importing it under Node touches no browser API (SSR)', async () => {
    const out = await run(process.execPath, ['--input-type=module', '-e', `
      const m = await import('offline-sync');
      const c = await import('offline-sync/core');
      console.log(Object.keys(m).sort().join(','), typeof c.getSyncEngine().list);
      const { createElement } = await import('react');
      const { renderToString } = await import('react-dom/server');
      function C() {
        const { status, isOnline } = m.useOfflineSync({ autoSyncInterval: 1000 });
        return createElement('p', null, [isOnline, status.isRunning, status.syncCount, status.lastSyncAt].join(' '));
      }
      console.log(renderToString(createElement(C)));
      function L() {
        const { data, isLoading, error } = m.useLiveQuery('lesson', { where: { courseId: 'c1' } });
        const one = m.useEntity('lesson', 'l1');
        return createElement('p', null, ['live', isLoading, one.isLoading, data === undefined, error === undefined].join(' '));
      }
      console.log(renderToString(createElement(L)));
    `], app);
    assert.match(out, /OfflineSync,.*createOfflineSync,.*getSyncEngine,initOfflineSync,.*useOfflineSync,.* function/);
    assert.match(out, /<p>true false 0 <\/p>/, 'server rendering shows the default status');
    assert.match(out, /<p>live true true true true<\/p>/, 'live queries render loading on the server');
  });

  test('the built app runs the README examples; the wasm is fetched once', async () => {
    const site = await startStatic(join(app, 'dist'));
    try {
      const { page, wasm, errors } = await openApp(browser, `${site.url}/?api=${encodeURIComponent(server.url)}`);
      assert.equal(wasm.length, 1, `one .wasm request for five components: ${wasm}`);
      await page.waitForFunction(() => window.events.includes('complete'));
      assert.ok(!(await page.evaluate(() => window.events)).includes('failed'), 'callbacks saw no failure');

      // StrictMode mounted everything twice: still one set of listeners.
      assert.deepEqual(await page.evaluate(() => window.__listeners), { online: 1, offline: 1, visibilitychange: 1 });

      await page.click('#rerender');
      await page.click('#rerender');
      await page.waitForFunction(() => document.querySelector('#rerender').textContent === '2');
      await page.click('#manual');
      await page.waitForFunction(() => window.events.includes('manual true'));
      assert.ok((await page.evaluate(() => window.events)).includes('callback of render 2'), 'the latest render\'s callback');
      const n = Number(await page.locator('.basic .count').first().innerText());
      await page.locator('.basic button').first().click(); // <button onClick={performSync}>
      await page.waitForFunction((n) => Number(document.querySelector('.basic .count').textContent) > n, n);

      // The second account's client, under its provider: its own status and database.
      await page.click('#admin-edit');
      await page.waitForFunction(() => document.querySelector('.admin .pending').textContent === '1');
      assert.deepEqual(await page.evaluate(() => window.pendingCounts()), [0, 1], "the admin's change is in the admin's queue only");

      const engine = await page.evaluate(() => window.engineDemo());
      assert.equal(engine.sync.success, true, JSON.stringify(engine.sync));
      assert.equal(engine.download, true);
      assert.equal(engine.queued, 'string');
      assert.equal(engine.course.title, 'New Title');

      // Live queries: the list follows changes; an equal result does not re-render.
      const titles = () => page.locator('.lessons li').allInnerTexts();
      await page.waitForSelector('.lessons');
      await page.evaluate(async () => {
        const e = window.getOfflineSyncEngine();
        await e.put('lesson', 'l2', { courseId: 'c1', position: 2, title: 'Second' });
        await e.put('lesson', 'l1', { courseId: 'c1', position: 1, title: 'First' });
        await e.put('lesson', 'x', { courseId: 'c2', position: 0, title: 'Other course' });
      });
      await page.waitForFunction(() => document.querySelectorAll('.lessons li').length === 2 && document.querySelector('.lesson-one').textContent === 'First');
      assert.deepEqual(await titles(), ['First', 'Second']);
      await page.evaluate(() => window.getOfflineSyncEngine().queueMutation('UPDATE', 'lesson', 'l2', { title: 'Second, edited' }));
      await page.waitForFunction(() => document.querySelectorAll('.lessons li')[1]?.textContent === 'Second, edited');
      const renders = await page.evaluate(() => window.lessonRenders);
      // The same title again: the query runs and calls back, the result is equal.
      await page.evaluate(() => window.getOfflineSyncEngine().queueMutation('UPDATE', 'lesson', 'l2', { title: 'Second, edited' }));
      await page.waitForTimeout(500);
      assert.equal(await page.evaluate(() => window.lessonRenders), renders, 'an equal result renders nothing');

      await page.evaluate(() => window.unmount());
      assert.deepEqual(await page.evaluate(() => window.__listeners), { online: 0, offline: 0, visibilitychange: 0 });
      assert.deepEqual(errors, []);
      await page.close();
    } finally {
      await site.stop();
    }
  });

  test('before the wasm is loaded the hooks show the default status, then catch up', async () => {
    const site = await startStatic(join(app, 'dist'));
    try {
      let release;
      const gate = new Promise((r) => (release = r));
      const held = async (route) => { await gate; await route.continue(); };
      const { page, wasm, errors } = await openApp(browser, `${site.url}/?lazy&api=${encodeURIComponent(server.url)}`, { wait: false, route: held });
      await page.waitForSelector('.basic');
      assert.deepEqual(await page.locator('.basic .count').allInnerTexts(), ['0', '0', '0']);
      assert.equal(await page.locator('.basic').first().innerText().then((t) => t.split('\n')[0]), 'Status: Online');
      release();
      await waitSynced(page); // subscribed once ready, and synced with the configured engine
      assert.equal(wasm.length, 1);
      assert.ok((await page.evaluate(() => window.events)).includes('complete'));
      assert.deepEqual(errors, []);
      await page.close();

      // The wasm cannot be fetched: status.error says so; Sync Now tries again.
      const failing = await openApp(browser, `${site.url}/?lazy&api=${encodeURIComponent(server.url)}`, { wait: false, route: (r) => r.abort() });
      await failing.page.waitForFunction(() => document.querySelector('.error')?.textContent.includes('could not load its WebAssembly module'));
      await failing.page.unroute('**/*.wasm');
      await failing.page.locator('.basic button').first().click();
      await failing.page.waitForFunction(() => Number(document.querySelector('.basic .count').textContent) >= 1);
      assert.ok(failing.wasm.length >= 2, "fetched again after the failure");
      await failing.page.close();
    } finally {
      await site.stop();
    }
  });

  test("Vite's dev server serves it too (dependency pre-bundling keeps the wasm URL)", async () => {
    const dev = await start(join(app, 'node_modules/.bin/vite'), ['--port', '0', '--strictPort', '--host', '127.0.0.1'], /Local:/, { cwd: app });
    try {
      const url = dev.url.replace(/\x1b\[[0-9;]*m/g, '').replace(/\/$/, '');
      const { page, wasm, errors } = await openApp(browser, `${url}/?api=${encodeURIComponent(server.url)}`);
      assert.equal(wasm.length, 1);
      assert.deepEqual(errors, []);
      await page.close();
    } finally {
      await dev.stop();
    }
  });
});
