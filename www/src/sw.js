// The demo's service worker, built by Vite as its own entry (vite.config.ts) to
// dist/sw.js and registered as a module worker by main.tsx. Two jobs:
//  1. offline-sync's background sync: queued changes go out when the network is
//     back even if every tab was closed (Chromium; Firefox and Safari have no
//     Background Sync and the pages' fallbacks deliver them instead);
//  2. the app-shell cache: network first, the cached copy when the network fails,
//     so a reload works offline. Only same-origin GETs: the sync API is
//     offline-sync's business.
// Plain JS, not TS: the app's tsconfig has the DOM lib, a worker needs WebWorker's.
import { installOfflineSync } from 'offline-sync/sw';
import { conflicts } from './conflicts.js';

// The page registers `sw.js?apiBaseUrl=...&user=...` (see main.tsx). The demo's
// server takes dev tokens (`dev-<user>`), so the worker can make the token itself;
// a real app's getAuthToken would call its refresh endpoint with the session
// cookie, or use a token the page posted (sendAuthTokenToWorker), never IndexedDB.
const query = new URL(self.location.href).searchParams;
const user = query.get('user') ?? 'demo';
installOfflineSync({
  apiBaseUrl: query.get('apiBaseUrl') ?? 'http://127.0.0.1:8787',
  namespace: `offline-sync-demo-${user}`,
  getAuthToken: () => `dev-${user}`,
  // The pages' policies, with the worker's own copy of the merge (docs/conflicts.md).
  conflicts,
});

const CACHE = 'offline-sync-demo-shell';

async function precache() {
  const urls = new Set(['./', './config.json']);
  try {
    const manifest = await (await fetch('./asset-manifest.json', { cache: 'no-store' })).json();
    for (const chunk of Object.values(manifest)) {
      for (const f of [chunk.file, ...(chunk.css ?? []), ...(chunk.assets ?? [])]) {
        if (f && f !== 'sw.js') urls.add(`./${f}`);
      }
    }
  } catch {
    // no manifest (dev build): runtime caching only
  }
  const cache = await caches.open(CACHE);
  await Promise.all([...urls].map((u) => cache.add(u).catch(() => {})));
}

self.addEventListener('install', (e) => {
  self.skipWaiting();
  e.waitUntil(precache());
});
self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()));

self.addEventListener('fetch', (e) => {
  const req = e.request;
  if (req.method !== 'GET' || new URL(req.url).origin !== self.location.origin) return;
  e.respondWith(
    (async () => {
      const cache = await caches.open(CACHE);
      try {
        const res = await fetch(req);
        if (res.ok) await cache.put(req.mode === 'navigate' ? './' : req, res.clone());
        return res;
      } catch (err) {
        const hit = await cache.match(req.mode === 'navigate' ? './' : req, { ignoreSearch: req.mode === 'navigate' });
        if (hit) return hit;
        throw err;
      }
    })(),
  );
});
