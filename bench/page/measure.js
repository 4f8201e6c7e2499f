// The timed window (`measured`) every workload runs its work in: wall time, the
// JS heap's peak and the main thread's long tasks, taken the same way for every
// implementation.

// Tasks of 50 ms or more on the main thread, as the browser reports them.
const longTasks = [];
try {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) longTasks.push({ start: e.startTime, duration: e.duration });
  }).observe({ type: 'longtask', buffered: true });
} catch {
  /* no longtask support: reported as null below */
}
const longTaskSupported = PerformanceObserver.supportedEntryTypes?.includes('longtask') ?? false;

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const heap = () => performance.memory.usedJSHeapSize;

// The timed window: GC first (--js-flags=--expose-gc) so every run starts from the
// same floor, then sample the JS heap every 5 ms and keep the peak. `work` gets a
// `stop()` to end the window early (the push workload ends when the engine stops
// pushing, before its sync pulls the pushed entities back).
export async function measured(work) {
  if (globalThis.gc) {
    gc();
    gc();
  }
  await sleep(20);
  const base = heap();
  let peak = base;
  const sample = () => {
    const u = heap();
    if (u > peak) peak = u;
  };
  const timer = setInterval(sample, 5);
  // bench/prof.mjs profiles only the measured window.
  if (window.profileHook) await window.profileHook('start');
  let end = null;
  const stop = () => {
    if (end === null) {
      end = performance.now();
      sample();
      clearInterval(timer);
    }
  };
  const t0 = performance.now();
  const extra = await work(stop);
  stop();
  if (window.profileHook) await window.profileHook('stop');
  // Long-task entries are delivered asynchronously: let them arrive.
  await sleep(150);
  const tasks = longTasks.filter((t) => t.start >= t0 - 1 && t.start < end);
  return {
    ms: end - t0,
    heapBase: base,
    heapPeak: peak,
    heapGrowth: peak - base,
    longestTaskMs: longTaskSupported ? Math.max(0, ...tasks.map((t) => t.duration)) : null,
    longTasks: longTaskSupported ? tasks.length : null,
    ...extra,
  };
}
