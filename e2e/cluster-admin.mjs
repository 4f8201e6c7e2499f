// The test-only admin API (/__admin/*) of a cluster, for the browser chaos run
// behind haproxy (e2e/cluster-chaos.sh). Each sync-server process keeps faults
// and statistics in its own memory, so haproxy sends /__admin/* here:
// - faults and resets go to the first process that answers (faults are
//   per-process: a fault fires only when the request it is meant for lands on
//   that process; arming it on both would fire it twice);
// - resets go to every process;
// - statistics are summed over the processes that answer (applyCounts per
//   mutation id: a mutation applied by both processes counts 2, a duplicate).
//   A process killed and restarted forgets what it counted before.
//
//   node e2e/cluster-admin.mjs PORT BACKEND_URL...
import http from 'node:http';

const [port, ...backends] = process.argv.slice(2);

async function forward(url, method, body) {
  try {
    const res = await fetch(url, { method, body, headers: { 'content-type': 'application/json' } });
    return { status: res.status, text: await res.text() };
  } catch {
    return null; // that process is down
  }
}

function sumStats(answers) {
  const out = { applyCounts: {} };
  for (const a of answers) {
    const s = JSON.parse(a.text);
    for (const [k, v] of Object.entries(s)) {
      if (k === 'applyCounts') {
        for (const [id, n] of Object.entries(v)) out.applyCounts[id] = (out.applyCounts[id] ?? 0) + n;
      } else if (typeof v === 'number') {
        out[k] = (out[k] ?? 0) + v;
      } else {
        out[k] = v;
      }
    }
  }
  return out;
}

http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => { body += c; });
  req.on('end', async () => {
    // The test page is of another origin: CORS as the server answers it.
    const cors = {
      'access-control-allow-origin': req.headers.origin ?? '*',
      'access-control-allow-methods': 'GET, POST, OPTIONS',
      'access-control-allow-headers': req.headers['access-control-request-headers'] ?? 'content-type',
    };
    const send = (status, text) => {
      res.writeHead(status, { 'content-type': 'application/json', ...cors });
      res.end(text);
    };
    // One line per request: e2e/cluster-chaos.sh counts them to know how far the run is.
    if (req.method !== 'OPTIONS') console.log(`${req.method} ${req.url}`);
    if (req.method === 'OPTIONS') {
      res.writeHead(204, cors);
      return res.end();
    }
    const payload = req.method === 'GET' ? undefined : body;
    if (req.url.startsWith('/__admin/faults')) {
      for (const b of backends) {
        const a = await forward(b + req.url, req.method, payload);
        if (a) return send(a.status, a.text);
      }
      return send(503, JSON.stringify({ error: 'no process answered' }));
    }
    const answers = (await Promise.all(backends.map((b) => forward(b + req.url, req.method, payload))))
      .filter((a) => a && a.status === 200);
    if (answers.length === 0) return send(503, JSON.stringify({ error: 'no process answered' }));
    if (req.url.startsWith('/__admin/stats')) return send(200, JSON.stringify(sumStats(answers)));
    return send(200, answers[0].text);
  });
}).listen(Number(port), '127.0.0.1', () => console.log(`cluster-admin listening on http://127.0.0.1:${port}`));
