// A CPU profile of one workload of this module, for finding where its time goes:
//   node bench/prof.mjs --api URL --pkg DIR [--fn push|queue|pull] [--count N] [--impl wasm|raw|dexie] [--user U]
// (a pull needs a seeded user: `pull-<n>`, as bench/seed.mjs seeds it).
// (scripts/bench.sh starts the server; run it the same way with this script).
// Prints the functions with the most self time and writes bench/results/<fn>.cpuprofile.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { arg, launch, openPage } from './browser.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const fn = arg('fn', 'push');
const count = Number(arg('count', fn === 'queue' ? 2000 : 10000));
const { site, browser } = await launch(arg('pkg'));
const page = await openPage(browser, site);
const cdp = await page.context().newCDPSession(page);
await cdp.send('Profiler.enable');
await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
let profile = null;
// The page calls this around its measured window (page/measure.js `measured`).
await page.exposeFunction('profileHook', async (what) => {
  if (what === 'start') await cdp.send('Profiler.start');
  else if (!profile) profile = (await cdp.send('Profiler.stop')).profile;
});
const opts = { api: arg('api'), pageSize: 500, count, tag: `prof-${Date.now()}`, user: arg('user', fn === 'pull' ? `pull-${count}` : 'x'), expect: count };
const out = await page.evaluate(([f, a, i]) => window.bench[f](i, a), [fn, opts, arg('impl', 'wasm')]);
fs.mkdirSync(path.join(HERE, 'results'), { recursive: true });
fs.writeFileSync(path.join(HERE, 'results', `${fn}.cpuprofile`), JSON.stringify(profile));
const self = new Map();
const dt = profile.timeDeltas;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
for (let i = 0; i < profile.samples.length; i++) {
  const n = byId.get(profile.samples[i]);
  const k = `${n.callFrame.functionName || '(anon)'} ${path.basename(n.callFrame.url)}:${n.callFrame.lineNumber}`;
  self.set(k, (self.get(k) || 0) + (dt[i] || 0) / 1000);
}
console.log(JSON.stringify(out));
// The longest stretches without idle samples (what a long task is made of), each
// with the functions that took most of it.
const busy = [];
let cur = null;
for (let i = 0; i < profile.samples.length; i++) {
  const n = byId.get(profile.samples[i]);
  const ms = (dt[i] || 0) / 1000;
  if (n.callFrame.functionName === '(idle)') {
    if (cur) busy.push(cur);
    cur = null;
    continue;
  }
  cur = cur || { ms: 0, fns: new Map() };
  cur.ms += ms;
  const k = `${n.callFrame.functionName || '(anon)'} ${path.basename(n.callFrame.url)}:${n.callFrame.lineNumber}`;
  cur.fns.set(k, (cur.fns.get(k) || 0) + ms);
}
if (cur) busy.push(cur);
for (const b of busy.sort((a, b) => b.ms - a.ms).slice(0, 3)) {
  const top = [...b.fns].sort((x, y) => y[1] - x[1]).slice(0, 6);
  console.log(`busy ${b.ms.toFixed(1)} ms: ${top.map(([k, ms]) => `${k} ${ms.toFixed(1)}`).join(', ')}`);
}
for (const [k, ms] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 35)) console.log(ms.toFixed(1).padStart(9), k);
await browser.close();
site.close();
