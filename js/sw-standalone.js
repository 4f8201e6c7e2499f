// offline-sync/sw-standalone.js: a complete service worker for apps that have
// none. Register it as a module worker, with the engine's options in its query:
//
//   initOfflineSync({ apiBaseUrl: '/api', namespace: 'app-user-42',
//     serviceWorker: '/offline-sync-sw.js?apiBaseUrl=%2Fapi&namespace=app-user-42' });
//
// Query parameters: apiBaseUrl, namespace (both should match the pages'), and
// optionally requestTimeoutMs, pullPageSize, maxPayloadBytes, retryBaseMs,
// retryMaxMs, maxAttempts, and tokenUrl (see below). The token: a URL-relative
// `tokenUrl` is POSTed with the session cookie (`credentials: 'include'`) and
// must answer JSON with `accessToken` (or `token`); without it the worker uses
// the token a page sent with sendAuthTokenToWorker() from 'offline-sync/sw'.
import { installOfflineSync } from './sw.js';

const query = new URL(self.location.href).searchParams;
const options = {};
for (const name of ['apiBaseUrl', 'namespace']) {
  if (query.has(name)) options[name] = query.get(name);
}
for (const name of ['requestTimeoutMs', 'pullPageSize', 'maxPayloadBytes', 'retryBaseMs', 'retryMaxMs', 'maxAttempts']) {
  if (query.has(name)) options[name] = Number(query.get(name));
}
if (query.has('tokenUrl')) {
  const tokenUrl = new URL(query.get('tokenUrl'), self.location.href).href;
  options.getAuthToken = async () => {
    const r = await fetch(tokenUrl, { method: 'POST', credentials: 'include', headers: { Accept: 'application/json' } });
    if (!r.ok) return null; // signed out: the sync fails with an auth error and is retried later
    const body = await r.json();
    return body?.accessToken ?? body?.token ?? null;
  };
}

installOfflineSync(options);

// Nothing to wait for: a new version of the package takes over at once.
self.addEventListener('install', () => self.skipWaiting());
