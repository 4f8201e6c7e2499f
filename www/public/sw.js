// The demo's app-shell cache (not offline-sync's own service worker): network
// first, the cached copy when the network fails, so a reload works offline.
// Only same-origin GETs: the sync API is offline-sync's business.
const CACHE = 'offline-sync-demo-shell';

async function precache() {
  const urls = new Set(['./', './config.json']);
  try {
    const manifest = await (await fetch('./asset-manifest.json', { cache: 'no-store' })).json();
    for (const chunk of Object.values(manifest)) {
      for (const f of [chunk.file, ...(chunk.css ?? []), ...(chunk.assets ?? [])]) if (f) urls.add(`./${f}`);
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
