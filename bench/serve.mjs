// The static server of the bench page: the page and its data module, the module
// under test (wasm-pack's --target web output) under /pkg/, Dexie under /dexie/.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.map': 'application/json',
};

/** Starts serving on 127.0.0.1 (ephemeral port); resolves { url, close }. */
export function serve({ pageDir, pkgDir, dexieDir }) {
  const roots = [
    ['/pkg/', pkgDir],
    ['/dexie/', dexieDir],
    ['/', pageDir],
  ];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    let p = decodeURIComponent(url.pathname);
    if (p === '/') p = '/index.html';
    const [prefix, dir] = roots.find(([pre]) => p.startsWith(pre));
    const file = path.join(dir, p.slice(prefix.length));
    if (!file.startsWith(dir) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not found');
      return;
    }
    res.writeHead(200, {
      'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream',
      'Cache-Control': 'no-cache',
      // Cross-origin isolation: performance.now() at 5 us instead of 100 us, which
      // the sub-millisecond queueMutation latencies need.
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
    });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({ url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(r)) });
    });
  });
}
