// Where a pull's JS heap goes, for one implementation:
//   node bench/heap.mjs --api URL --pkg DIR [--impl wasm|raw|dexie] [--count N]
// (a pull of a seeded user, `pull-<N>`, as bench/seed.mjs seeds it; start the server
// as scripts/bench.sh does). Prints what is live after a full GC, once a second
// through the pull (what the implementation holds: it should not grow with N), and
// what was allocated, by function, garbage included (what the collector has to
// clear: the peak `bench/run.mjs` reports rises with it). Not a timing: the GCs it
// forces slow the pull down.
import path from 'node:path';
import { arg, launch, openPage } from './browser.mjs';

const impl = arg('impl', 'wasm');
const count = Number(arg('count', 100000));
const { site, browser } = await launch(arg('pkg'));
const page = await openPage(browser, site);
const cdp = await page.context().newCDPSession(page);
await cdp.send('HeapProfiler.enable');
// Objects the collector has already cleared count too: garbage is what this is about.
await cdp.send('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
const opts = { api: arg('api'), pageSize: 500, count, tag: `heap-${Date.now()}`, user: `pull-${count}`, expect: count };
let done = false;
const run = page.evaluate(([a, i]) => window.bench.pull(i, a), [opts, impl]).finally(() => { done = true; });
const live = [];
while (!done) {
  await new Promise((r) => setTimeout(r, 1000));
  if (done) break;
  await cdp.send('HeapProfiler.collectGarbage');
  live.push(await page.evaluate(() => performance.memory.usedJSHeapSize));
}
await run;
const { profile } = await cdp.send('HeapProfiler.stopSampling');
const bySite = new Map();
let total = 0;
const walk = (n) => {
  const k = `${n.callFrame.functionName || '(anonymous)'} ${path.basename(n.callFrame.url) || '(native)'}:${n.callFrame.lineNumber + 1}`;
  bySite.set(k, (bySite.get(k) || 0) + n.selfSize);
  total += n.selfSize;
  n.children.forEach(walk);
};
walk(profile.head);
const mb = (b) => (b / 1e6).toFixed(1);
console.log(`${impl}, pull of ${count}: live after GC, MB, once a second: ${live.map(mb).join(' ') || '(done within a second)'}`);
console.log(`allocated in all: ${mb(total)} MB; by function:`);
for (const [k, b] of [...bySite].sort((x, y) => y[1] - x[1]).slice(0, 12)) console.log(`${mb(b).padStart(8)}  ${k}`);
await browser.close();
site.close();
