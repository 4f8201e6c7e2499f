// WebKit for the e2e tests: WebKitGTK's MiniBrowser through WebKitWebDriver (Debian's
// webkit2gtk-driver, from scripts/setup.sh), spoken to over the W3C WebDriver HTTP
// API with fetch; playwright-core cannot drive it. (Firefox through geckodriver
// the same way, for private browsing.) MiniBrowser needs an X server,
// so this starts an Xvfb of its own on a free display. One session at a time.
// Also: a TCP relay that can cut the network between the browser and a server,
// since WebKitWebDriver has no network emulation (docs/safari.md).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';

const children = new Set();
process.on('exit', () => children.forEach((c) => c.kill()));

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function startXvfb() {
  return new Promise((resolve, reject) => {
    const x = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], {
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    });
    children.add(x);
    let err = '';
    x.stderr.on('data', (d) => (err += d));
    x.stdio[3].on('data', (d) => resolve({ display: `:${String(d).trim()}`, stop: () => stopChild(x) }));
    x.on('error', reject);
    x.on('exit', (code) => reject(new Error(`Xvfb exited with ${code}: ${err}`)));
  });
}

function stopChild(child) {
  children.delete(child);
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => {
    child.once('exit', r);
    child.kill('SIGTERM');
  });
}

function miniBrowser() {
  for (const dir of ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib', '/usr/libexec']) {
    const bin = `${dir}/webkit2gtk-4.1/MiniBrowser`;
    if (existsSync(bin)) return bin;
  }
  throw new Error('MiniBrowser not found: apt-get install webkit2gtk-driver');
}

/** Starts a W3C WebDriver server (`cmd --port=N`); `call(method, path, body)` speaks to it. */
async function startDriver(cmd, env) {
  const port = await freePort();
  const driver = spawn(cmd, [`--port=${port}`], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  children.add(driver);
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      await fetch(`${base}/status`);
      break;
    } catch (e) {
      if (i > 100) throw new Error(`${cmd} did not start: ${e.message}`);
      await sleep(100);
    }
  }
  const call = async (method, path, body) => {
    const r = await fetch(base + path, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const j = await r.json();
    if (!r.ok) throw new Error(`WebDriver ${method} ${path}: ${j.value?.error}: ${j.value?.message}`);
    return j.value;
  };
  const session = async (capabilities) => {
    const s = await call('POST', '/session', { capabilities: { alwaysMatch: capabilities } });
    return new Page(call, `/session/${s.sessionId}`);
  };
  return { session, stop: () => stopChild(driver) };
}

/**
 * Starts Xvfb and WebKitWebDriver. `session()` opens a browser (MiniBrowser with
 * Safari's feature set, as scripts/webkitdriver-proxy.mjs); `session({ private: true })`
 * one in private browsing (MiniBrowser's `--private`: an ephemeral website data
 * store, as Safari's private windows). `stop()` ends it all.
 */
export async function startWebKit() {
  const x = await startXvfb();
  const driver = await startDriver('WebKitWebDriver', { DISPLAY: x.display });
  const session = ({ private: priv = false } = {}) =>
    driver.session({
      'webkitgtk:browserOptions': {
        binary: miniBrowser(),
        args: ['--automation', '--features=+StorageAPI,+StorageAPIEstimate', ...(priv ? ['--private'] : [])],
      },
    });
  return {
    session,
    stop: async () => {
      await driver.stop();
      await x.stop();
    },
  };
}

/**
 * Starts geckodriver (Debian's firefox-esr, headless); `session({ private: true })`
 * opens Firefox in permanent private browsing (`browser.privatebrowsing.autostart`,
 * what "Never remember history" sets). playwright-core cannot drive a stock
 * Firefox either.
 */
export async function startFirefox() {
  const driver = await startDriver('geckodriver', {});
  const session = ({ private: priv = false } = {}) =>
    driver.session({
      'moz:firefoxOptions': { args: ['-headless'], prefs: { 'browser.privatebrowsing.autostart': priv } },
    });
  return { session, stop: () => driver.stop() };
}

class Page {
  constructor(call, path) {
    this.call = call;
    this.path = path;
  }
  goto(url) {
    return this.call('POST', `${this.path}/url`, { url });
  }
  reload() {
    return this.call('POST', `${this.path}/refresh`, {});
  }
  /** Runs `fn` (a function, serialized) in the page with `args`; its result, awaited. */
  eval(fn, ...args) {
    const script = `const done = arguments[arguments.length - 1];
      Promise.resolve((${fn}).apply(null, Array.from(arguments).slice(0, -1))).then(
        (v) => done({ ok: v === undefined ? null : v }), (e) => done({ err: String(e && e.stack || e) }));`;
    return this.call('POST', `${this.path}/execute/async`, { script, args }).then((r) => {
      if (r && 'err' in r) throw new Error(`in the page: ${r.err}`);
      return r?.ok;
    });
  }
  /** Polls `fn` in the page until it returns something truthy. */
  async waitFor(fn, what, timeout = 20000, ...args) {
    const end = Date.now() + timeout;
    let last;
    for (;;) {
      try {
        last = await this.eval(fn, ...args);
        if (last) return last;
      } catch (e) {
        // The page is loading (a reload): try again.
        last = e.message;
      }
      if (Date.now() > end) throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
      await sleep(150);
    }
  }
  text(testid) {
    return this.eval((t) => document.querySelector(`[data-testid="${t}"]`)?.textContent ?? null, testid);
  }
  waitText(selector, expected, timeout) {
    return this.waitFor(
      (s, t) => document.querySelector(s)?.textContent === t,
      `${selector} to read ${JSON.stringify(expected)}`,
      timeout,
      selector,
      expected,
    );
  }
  async element(css) {
    const e = await this.call('POST', `${this.path}/element`, { using: 'css selector', value: css });
    return Object.values(e)[0];
  }
  async click(css) {
    await this.call('POST', `${this.path}/element/${await this.element(css)}/click`, {});
  }
  /**
   * Empties the input and types `text` into it. Not WebDriver's Element Clear: it
   * fires no `input` event, so a React input keeps its state and the typing was
   * appended to the old text, at times. The empty value goes through the native
   * setter and an `input` event, as a user's deletion would.
   */
  async fill(css, text) {
    const id = await this.element(css);
    await this.eval((s) => {
      const input = document.querySelector(s);
      Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set.call(input, '');
      input.dispatchEvent(new Event('input', { bubbles: true }));
    }, css);
    await this.call('POST', `${this.path}/element/${id}/value`, { text });
  }
  /** Opens a new tab in this session; its window handle. */
  async newTab() {
    return (await this.call('POST', `${this.path}/window/new`, { type: 'tab' })).handle;
  }
  /** The handle of the current window. */
  window() {
    return this.call('GET', `${this.path}/window`);
  }
  /** Sends the commands that follow to the window `handle`. */
  switchTo(handle) {
    return this.call('POST', `${this.path}/window`, { handle });
  }
  /** Closes the current tab and switches to another one of the session. */
  async closeTab() {
    const left = await this.call('DELETE', `${this.path}/window`);
    if (left.length) await this.switchTo(left[0]);
  }
  close() {
    return this.call('DELETE', this.path);
  }
}

/**
 * A TCP relay to `target` (a URL) on a free port: `url` goes through it; `cut(true)`
 * drops every connection and refuses new ones (the network is gone for whoever
 * uses `url`), `cut(false)` lets them through again.
 */
export async function relay(target) {
  const t = new URL(target);
  let cut = false;
  const sockets = new Set();
  const server = net.createServer((c) => {
    if (cut) return c.destroy();
    const up = net.connect(Number(t.port), t.hostname);
    sockets.add(c).add(up);
    const drop = () => {
      c.destroy();
      up.destroy();
      sockets.delete(c);
      sockets.delete(up);
    };
    c.on('error', drop).on('close', drop);
    up.on('error', drop).on('close', drop);
    c.pipe(up).pipe(c);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = `${t.protocol}//127.0.0.1:${server.address().port}`;
  return {
    url,
    cut(on) {
      cut = on;
      if (on) sockets.forEach((s) => s.destroy());
    },
    close: () => {
      sockets.forEach((s) => s.destroy());
      return new Promise((r) => server.close(r));
    },
  };
}
