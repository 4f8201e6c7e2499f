// bench/run.mjs's command line (its usage is at the top of run.mjs), and the
// implementations every workload runs.

import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(HERE, '..');
export const IMPLS = ['wasm', 'raw', 'dexie'];
export const NAMES = { wasm: 'offline-sync', raw: 'raw IndexedDB', dexie: 'Dexie 4' };

export function parseArgs(argv) {
  const o = {
    api: null,
    apiPlain: null,
    throttled: 10000,
    pkg: path.join(ROOT, 'target', 'bench-pkg'),
    smoke: false,
    rounds: 3,
    startupRounds: 5,
    sizes: [10000, 50000, 100000],
    push: 10000,
    queue: 5000,
    pageSize: 500,
    out: null,
    lessons: 100000,
    liveChanges: 500,
    liveRounds: 1,
    only: new Set(['pull', 'push', 'queue', 'startup', 'throttled', 'live']),
  };
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i];
    const val = () => argv[++i];
    if (a === '--api') o.api = val();
    else if (a === '--api-plain') o.apiPlain = val();
    else if (a === '--throttled') o.throttled = Number(val());
    else if (a === '--pkg') o.pkg = path.resolve(val());
    else if (a === '--smoke') o.smoke = true;
    else if (a === '--rounds') o.rounds = Number(val());
    else if (a === '--startup-rounds') o.startupRounds = Number(val());
    else if (a === '--sizes') o.sizes = val().split(',').map(Number);
    else if (a === '--push') o.push = Number(val());
    else if (a === '--queue') o.queue = Number(val());
    else if (a === '--page-size') o.pageSize = Number(val());
    else if (a === '--lessons') o.lessons = Number(val());
    else if (a === '--live-changes') o.liveChanges = Number(val());
    else if (a === '--live-rounds') o.liveRounds = Number(val());
    else if (a === '--out') o.out = path.resolve(val());
    else if (a === '--only') o.only = new Set(val().split(','));
    else throw new Error(`unknown argument ${a}`);
  }
  if (o.smoke) Object.assign(o, { rounds: 1, startupRounds: 1, sizes: [300], push: 150, queue: 50, pageSize: 100, throttled: 300, lessons: 1000, liveChanges: 20 });
  // The throttled pull needs the baseline server (scripts/bench.sh starts it).
  if (!o.apiPlain) o.only.delete('throttled');
  o.out ??= path.join(HERE, 'results', o.smoke ? 'smoke.json' : 'latest.json');
  if (!o.api) throw new Error('--api http://HOST:PORT of a running sync-server is required');
  return o;
}
