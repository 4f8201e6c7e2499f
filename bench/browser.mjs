// What every bench tool opens: the bench page, served with a built package and
// Dexie, in headless system Chromium through playwright-core (bench/run.mjs,
// bench/prof.mjs, bench/heap.mjs).
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from './serve.mjs';
import { CHROMIUM, CHROMIUM_ARGS as SHARED_ARGS } from '../scripts/chromium.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(HERE, '..', 'tools', 'package.json'));
const { chromium } = require('playwright-core');

/** The shared flags (scripts/chromium.mjs) and the benchmark's own. */
export const CHROMIUM_ARGS = [
  ...SHARED_ARGS,
  '--enable-precise-memory-info',
  // gc() before each timed window, so every run starts from the same heap floor.
  '--js-flags=--expose-gc',
];

/** The bench page served with the package in `pkgDir`, and a browser to open it in. */
export async function launch(pkgDir) {
  const site = await serve({ pageDir: path.join(HERE, 'page'), pkgDir, dexieDir: path.join(HERE, 'node_modules', 'dexie', 'dist', 'modern') });
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  return { site, browser };
}

/** A new page of `ctx` (a browser or a context) on the bench page, once it is ready. */
export async function openPage(ctx, site) {
  const page = await ctx.newPage();
  await page.goto(`${site.url}/`);
  await page.waitForFunction(() => window.bench?.ready);
  return page;
}

/** `--k value` from the command line, or `d`. */
export function arg(k, d) {
  const i = process.argv.indexOf(`--${k}`);
  return i > 0 ? process.argv[i + 1] : d;
}
