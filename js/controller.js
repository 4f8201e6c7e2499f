// OfflineSync: the sync controller (triggers, timer, status). A JS shell that
// delegates to the wasm class once the module is loaded; until then it answers
// a default snapshot and remembers what was asked of it.
import { isReady, settled, wasm, wasmClients } from './load.js';
import { onlineManager } from './managers.js';

const DEFAULT_STATUS = Object.freeze({
  isRunning: false, lastSyncAt: null, nextSyncAt: null, error: null, errorKind: null,
  serverReachable: true, syncCount: 0, pendingCount: 0, failedCount: 0,
  conflictCount: 0, progress: null,
});
const online = () => onlineManager.isOnline();
const SERVER_SNAPSHOT = Object.freeze({ status: DEFAULT_STATUS, isOnline: true });

export class OfflineSync {
  #options; #client; #inner = null; #subs = new Set(); #started = false; #auto = null;
  #pending = null; #error = null; #fallback = null; #disposed = false;

  // `client`: an OfflineSyncClient of createOfflineSync; the page's default client without one.
  constructor(options, client) {
    if (options != null && typeof options !== 'object') {
      throw new TypeError('offline-sync: OfflineSync options must be an object');
    }
    if (client != null && !wasmClients.has(client)) {
      throw new TypeError('offline-sync: OfflineSync client must come from createOfflineSync');
    }
    this.#options = options;
    this.#client = client ?? null;
    if (isReady()) this.#inner = this.#build(); // throws TypeError on bad options
    // Bound, so they can be passed around (`onClick={performSync}`, useSyncExternalStore).
    for (const m of ['subscribe', 'getSnapshot', 'getServerSnapshot', 'performSync', 'startAutoSync',
      'stopAutoSync', 'start', 'stop', 'dispose', 'setOptions']) this[m] = this[m].bind(this);
  }

  subscribe(listener) {
    const sub = { listener, off: null };
    this.#subs.add(sub);
    if (this.#inner) sub.off = this.#inner.subscribe(listener);
    else if (!this.#disposed) this.#loadQuietly();
    return () => {
      if (this.#subs.delete(sub)) sub.off?.();
    };
  }

  getSnapshot() {
    if (this.#error) throw this.#error;
    if (this.#inner) return this.#inner.getSnapshot();
    return (this.#fallback ??= Object.freeze({ status: DEFAULT_STATUS, isOnline: online() }));
  }

  getServerSnapshot() {
    return SERVER_SNAPSHOT;
  }

  async performSync() {
    if (this.#disposed) throw new Error('offline-sync: performSync() on a disposed OfflineSync');
    if (!this.#inner) await this.#load();
    if (this.#error) throw this.#error;
    return this.#inner.performSync();
  }

  startAutoSync() { this.#auto = true; this.#inner ? this.#inner.startAutoSync() : this.#loadQuietly(); }
  stopAutoSync() { this.#auto = false; this.#inner?.stopAutoSync(); }
  start() { this.#started = true; this.#inner ? this.#inner.start() : this.#loadQuietly(); }
  stop() { this.#started = false; this.#inner?.stop(); }

  setOptions(options) {
    this.#options = options;
    this.#inner?.setOptions(options);
  }

  dispose() {
    this.#subs.clear();
    this.#started = false;
    this.#disposed = true;
    const inner = this.#inner;
    this.#inner = null;
    inner?.dispose();
    inner?.free();
  }

  // Loads the module, then builds the wasm controller and replays what was asked.
  #load() {
    return (this.#pending ??= settled().then(() => this.#attach(), (e) => {
      this.#pending = null; // try again on the next call
      this.#fallback = Object.freeze({ status: { ...DEFAULT_STATUS, error: e.message }, isOnline: online() });
      this.#notify();
      throw e;
    }));
  }

  #loadQuietly() {
    this.#load().catch(() => {}); // the failure shows in the snapshot's status.error
  }

  #attach() {
    if (this.#inner || this.#error || this.#disposed) return;
    try {
      this.#inner = this.#build();
    } catch (e) {
      this.#error = e; // bad options: surfaces from getSnapshot (render) and performSync
      this.#notify();
      return;
    }
    if (this.#started) this.#inner.start();
    for (const sub of this.#subs) sub.off = this.#inner.subscribe(sub.listener);
    if (this.#auto !== null) this.#auto ? this.#inner.startAutoSync() : this.#inner.stopAutoSync();
    this.#notify(); // the snapshot changed from the default one
  }

  #build() {
    return this.#client ? wasmClients.get(this.#client)().controller(this.#options) : new wasm.OfflineSync(this.#options);
  }

  #notify() {
    for (const { listener } of [...this.#subs]) listener();
  }
}
