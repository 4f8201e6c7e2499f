// The proxy of scripts/webkitdriver: listens on the port wasm-bindgen-test-runner
// gave its Safari driver, forwards every WebDriver request to WebKitWebDriver, and
// adds to a new-session request the browser to start and its flags:
//
// - MiniBrowser (WebKitGTK's browser) in automation mode;
// - Safari's feature set where WebKitGTK's defaults differ: the Storage API
//   (`navigator.storage` with persist(), persisted(), estimate()) is on in Safari
//   (persist() since Safari 15.2, estimate() since 17) and off in WebKitGTK 2.50.
//
// WEBKIT_BROWSER overrides the browser binary, WEBKIT_FEATURES the feature flags.
// Exits when the process with pid `watch` (WebKitWebDriver) is gone.
//
// Usage: node webkitdriver-proxy.mjs <listen port> <WebKitWebDriver port> <watch pid>
import http from 'node:http';
import net from 'node:net';
import { existsSync, readFileSync, readdirSync } from 'node:fs';

const [listenPort, innerPort, watch] = process.argv.slice(2).map(Number);
const FEATURES = process.env.WEBKIT_FEATURES ?? '+StorageAPI,+StorageAPIEstimate';

function miniBrowser() {
  if (process.env.WEBKIT_BROWSER) return process.env.WEBKIT_BROWSER;
  const roots = ['/usr/lib', '/usr/libexec', '/usr/local/lib'];
  for (const root of roots) {
    const dirs = [root, ...(existsSync(root) ? readdirSync(root).map((d) => `${root}/${d}`) : [])];
    for (const dir of dirs) {
      for (const api of ['webkit2gtk-4.1', 'webkitgtk-6.0', 'webkit2gtk-4.0']) {
        const bin = `${dir}/${api}/MiniBrowser`;
        if (existsSync(bin)) return bin;
      }
    }
  }
  return null;
}

const browser = miniBrowser();

function withBrowser(body) {
  let req;
  try {
    req = JSON.parse(body || '{}');
  } catch {
    return body;
  }
  req.capabilities ??= {};
  req.capabilities.alwaysMatch ??= {};
  const always = req.capabilities.alwaysMatch;
  if (!always['webkitgtk:browserOptions'] && browser) {
    always['webkitgtk:browserOptions'] = { binary: browser, args: ['--automation', `--features=${FEATURES}`] };
  }
  return JSON.stringify(req);
}

function forward(req, res, body) {
  const out = http.request(
    {
      host: '127.0.0.1',
      port: innerPort,
      method: req.method,
      path: req.url,
      headers: { ...req.headers, host: `127.0.0.1:${innerPort}`, 'content-length': Buffer.byteLength(body) },
    },
    (r) => {
      res.writeHead(r.statusCode, r.headers);
      r.pipe(res);
    },
  );
  out.on('error', (e) => {
    res.writeHead(500, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ value: { error: 'unknown error', message: `webkitdriver proxy: ${e.message}`, stacktrace: '' } }));
  });
  out.end(body);
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    let body = Buffer.concat(chunks).toString('utf8');
    if (req.method === 'POST' && req.url.replace(/\/+$/, '') === '/session') body = withBrowser(body);
    forward(req, res, body);
  });
});

// Gone, or a zombie nobody reaped yet (its state in /proc is Z).
function alive(pid) {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

// Listens only once WebKitWebDriver does: the runner takes a bound port as ready.
function whenListening(port, then, left = 300) {
  const s = net.connect(port, '127.0.0.1');
  s.on('connect', () => {
    s.destroy();
    then();
  });
  s.on('error', () => {
    s.destroy();
    if (left > 0 && alive(watch)) setTimeout(() => whenListening(port, then, left - 1), 100);
    else process.exit(1);
  });
}

setInterval(() => {
  if (!alive(watch)) process.exit(0);
}, 250).unref();
server.keepAliveTimeout = 0;
whenListening(innerPort, () => server.listen(listenPort, '127.0.0.1'));
// The interval is unref'd: the server keeps the process up until the driver is gone.
