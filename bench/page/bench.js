// The workloads, in the page. Three implementations do the same work on the same
// data against the same server: `wasm` (this module), `raw` (plain JavaScript on
// the IndexedDB API: the limit) and `dexie` (Dexie 4, bulkPut). bench/run.mjs calls
// `window.bench.<workload>(impl, options)` once per run, in a freshly loaded page.
// One module per workload (pull.js ... tabs.js); the timed window is measure.js's.

import { pull } from './pull.js';
import { push } from './push.js';
import { queue } from './queue.js';
import { startup } from './startup.js';
import { live, livePull } from './live.js';
import { liveTabs, liveWriter } from './tabs.js';

window.bench = { pull, push, queue, startup, live, livePull, liveWriter, liveTabs, ready: true };
