// The throttled pull (docs/performance.md): offline-sync's first sync of n entities
// through an emulated slow link (the DevTools protocol's
// Network.emulateNetworkConditions: 1.6 Mbit/s down, 300 ms round trip, as on a
// train), from a server that compresses its answers and from one started with
// --no-compression (the baseline). Reports the time and the bytes on the wire
// (encodedDataLength of every pull answer, as the network delivered them).
// Called by bench/run.mjs.

export const LINK = { downKbit: 1600, upKbit: 750, rttMs: 300 };

/** One run: a fresh page of `context`, the link throttled, `fullSync` of `user` at `api`. */
async function once(context, site, o) {
  const page = await context.newPage();
  try {
    await page.goto(`${site.url}/`);
    await page.waitForFunction(() => window.bench?.ready);
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: LINK.rttMs,
      downloadThroughput: (LINK.downKbit * 1000) / 8,
      uploadThroughput: (LINK.upKbit * 1000) / 8,
    });
    // Pull answers by request id, with their Content-Encoding; a CORS preflight's
    // answer has no body and is not counted.
    const pulls = new Map();
    let bytes = 0;
    let requests = 0;
    const encodings = new Set();
    cdp.on('Network.responseReceived', (e) => {
      if (e.response.url.includes('/sync/pull')) {
        const h = Object.fromEntries(Object.entries(e.response.headers).map(([k, v]) => [k.toLowerCase(), v]));
        pulls.set(e.requestId, h['content-encoding'] ?? 'identity');
      }
    });
    cdp.on('Network.loadingFinished', (e) => {
      if (pulls.has(e.requestId) && e.encodedDataLength > 0) {
        bytes += e.encodedDataLength;
        requests += 1;
        encodings.add(pulls.get(e.requestId));
      }
    });
    const res = await page.evaluate((a) => window.bench.pull('wasm', a), o);
    // Let the last loadingFinished event arrive.
    await new Promise((r) => setTimeout(r, 200));
    await cdp.detach();
    return { ms: res.ms, count: res.count, bytes, requests, encodings: [...encodings] };
  } finally {
    await page.close();
  }
}

/**
 * Both servers, `rounds` times each, alternating. `users` maps 'gzip' and 'plain'
 * to the seeded user on each server.
 */
export async function throttledPull({ browser, site, api, apiPlain, users, n, pageSize, rounds, log }) {
  const out = { gzip: [], plain: [] };
  const context = await browser.newContext();
  try {
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 ? ['plain', 'gzip'] : ['gzip', 'plain'];
      for (const which of order) {
        const o = { api: which === 'gzip' ? api : apiPlain, pageSize, user: users[which], expect: n, tag: `thr-${which}-${r}` };
        const res = await once(context, site, o);
        if (res.count !== n) throw new Error(`throttled pull from the ${which} server pulled ${res.count} of ${n}`);
        out[which].push(res);
        log(`throttled pull ${n} ${which.padEnd(5)} round ${r + 1}/${rounds}: ${res.ms.toFixed(0)} ms, ${(res.bytes / 1024).toFixed(0)} KB on the wire (${res.encodings.join(', ')})`);
      }
    }
  } finally {
    await context.close();
  }
  return out;
}
