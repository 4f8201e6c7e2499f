// Shared by the e2e tests: the processes they start (reference server, demo
// server) and the browser (system Chromium through playwright-core, no download).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from '../tools/node_modules/playwright-core/index.mjs';
import { CHROMIUM, CHROMIUM_ARGS } from '../scripts/chromium.mjs';

export const ROOT = join(import.meta.dirname, '..');
// One list of flags for the tests and the benchmark.
export { CHROMIUM, CHROMIUM_ARGS };

const children = new Set();
process.on('exit', () => children.forEach((c) => c.kill()));

/** Starts a process and resolves with the first URL it prints on a line matching `ready`. */
export function start(cmd, args, ready, { cwd = ROOT, timeoutMs = 30000 } = {}) {
  return new Promise((resolve, reject) => {
    // No colours: with CI set, tools (Vite through picocolors) colour their output
    // even into a pipe, and escape codes inside a URL break the match below.
    const { FORCE_COLOR, ...rest } = process.env;
    const env = { ...rest, NO_COLOR: '1' };
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let out = '';
    const timer = setTimeout(() => fail(new Error(`${cmd} did not get ready in ${timeoutMs} ms`)), timeoutMs);
    const fail = (e) => {
      clearTimeout(timer);
      child.kill();
      reject(new Error(`${e.message}\n${out}`));
    };
    const onData = (d) => {
      out += d;
      const line = out.replace(/\u001b\[[0-9;]*m/g, '').split('\n').find((l) => ready.test(l));
      const url = line?.match(/https?:\/\/\S+/)?.[0];
      if (url) {
        clearTimeout(timer);
        resolve({ url, stop: () => stop(child), output: () => out });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d) => (out += d));
    child.on('error', fail);
    child.on('exit', (code) => fail(new Error(`${cmd} exited with ${code}`)));
  });
}

function stop(child) {
  children.delete(child);
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((r) => {
    child.once('exit', r);
    child.kill('SIGTERM');
  });
}

/** The reference server, in memory, with the demo data and dev tokens, on a free port. */
export function startSyncServer(extra = []) {
  const bin = process.env.SYNC_SERVER_BIN ?? join(ROOT, 'target/debug/sync-server');
  if (!existsSync(bin)) throw new Error(`${bin} is missing: cargo build -p sync-server`);
  return start(bin, ['--addr', '127.0.0.1:0', '--memory', '--dev-tokens', '--seed-demo', ...extra], /listening on/);
}

/** www/serve.mjs over a built app directory, answering config.json with `api`. */
export function startStatic(dir, api) {
  const args = [join(ROOT, 'www/serve.mjs'), '--dir', dir, '--port', '0', ...(api ? ['--api', api] : [])];
  return start(process.execPath, args, /listening on/);
}

export function launch() {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** The packed tarball from scripts/build-package.sh. */
export function tarball() {
  const f = readdirSync(join(ROOT, 'dist')).find((n) => /^offline-sync-.*\.tgz$/.test(n));
  if (!f) throw new Error('dist/offline-sync-*.tgz is missing: run scripts/build-package.sh');
  return join(ROOT, 'dist', f);
}

/** Runs a command to completion; rejects with its output if it fails. */
export function run(cmd, args, cwd, timeoutMs = 300000) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} failed (${code}):\n${out}`))));
  });
}

/** The reference server's admin API (`--enable-admin`): GET with no body, POST with one. */
export async function admin(serverUrl, path, body) {
  const init = body ? { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {};
  const r = await fetch(`${serverUrl}${path}`, init);
  const text = await r.text();
  if (r.status !== 200) throw new Error(`${path} answered ${r.status}: ${text}`);
  return JSON.parse(text);
}

/** `/__admin/stats` of one user: applyCounts, request counts, maxConcurrent. */
export const adminStats = (serverUrl, user) => admin(serverUrl, `/__admin/stats?user=${encodeURIComponent(user)}`);

// Waits (bounded) until the server has applied changes of at least `n` mutation
// ids of `user` (its admin statistics), failing with `what` past `timeoutMs`.
export async function waitForApplied(serverUrl, user, n, what = 'the push was never applied', timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { applyCounts } = await adminStats(serverUrl, user);
    if (Object.keys(applyCounts).length >= n) return applyCounts;
    assert.ok(Date.now() < deadline, what);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Course id -> title, as the server holds them for `user` (through the REST facade). */
export async function serverTitles(serverUrl, user) {
  const r = await fetch(`${serverUrl}/api/v2/courses?limit=100`, { headers: { Authorization: `Bearer dev-${user}` } });
  const body = await r.json();
  return Object.fromEntries(body.data.courses.map((c) => [c.id, c.title]));
}
