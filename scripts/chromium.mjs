// The system Chromium and the flags every headless run here starts it with: the
// end-to-end tests (e2e/lib.mjs) and the benchmark (bench/browser.mjs), one list.
export const CHROMIUM = process.env.CHROME_BIN ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = Object.freeze([
  '--no-sandbox', // root in a container
  '--disable-gpu',
  '--disable-dev-shm-usage', // a small /dev/shm
  // No background traffic of Chromium's own in the measured network and CPU.
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // Loopback servers speak HTTP/1.1 and 2 over TCP.
  '--disable-quic',
  '--no-first-run',
]);
