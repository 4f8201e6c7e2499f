// A tiny static server for the built demo (www/dist), for scripts/dev.sh and e2e/.
//   node serve.mjs [--dir dist] [--host 127.0.0.1] [--port 4173] [--api URL] [--user NAME]
// With --api (and --user) it answers /config.json itself, so the built demo syncs
// with that server. Prints "demo listening on http://HOST:PORT" when ready.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values: opt } = parseArgs({
  options: {
    dir: { type: 'string', default: join(import.meta.dirname, 'dist') },
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '4173' },
    api: { type: 'string' },
    user: { type: 'string' },
  },
});
const root = resolve(opt.dir);
const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript',
  '.css': 'text/css', '.json': 'application/json', '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.txt': 'text/plain',
};
const config = opt.api ? JSON.stringify({ apiBaseUrl: opt.api, ...(opt.user && { user: opt.user }) }) : null;

const server = createServer(async (req, res) => {
  const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  const send = (status, body, type) => {
    res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-cache' });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed', 'text/plain');
  if (path === '/config.json' && config) return send(200, config, TYPES['.json']);
  const file = normalize(join(root, path.endsWith('/') ? `${path}index.html` : path));
  if (!file.startsWith(root)) return send(403, 'forbidden', 'text/plain');
  try {
    return send(200, await readFile(file), TYPES[extname(file)] ?? 'application/octet-stream');
  } catch {
    if (extname(path)) return send(404, 'not found', 'text/plain');
    return send(200, await readFile(join(root, 'index.html')), TYPES['.html']); // app routes
  }
});
server.listen(Number(opt.port), opt.host, () => {
  const { address, port } = server.address();
  console.log(`demo listening on http://${address}:${port}`);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => server.close(() => process.exit(0)));
