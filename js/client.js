// createOfflineSync: a client of its own (engine, status, controllers) beside the
// page's default one, the way TanStack Query has a QueryClient. A JS shell: the
// wasm client is built once the module is loaded.
import { isReady, ready, wasm, wasmClients } from './load.js';
import { engineFacade } from './facade.js';
import { OfflineSync } from './controller.js';

export class OfflineSyncClient {
  #options; #inner = null; #closed = false;

  constructor(options) {
    if (options != null && typeof options !== 'object') {
      throw new TypeError('offline-sync: createOfflineSync options must be an object');
    }
    this.#options = options;
    if (isReady()) this.#build(); // throws TypeError on bad options
    wasmClients.set(this, () => this.#build());
    /** This client's engine: the methods of getSyncEngine(), on this client's database. */
    this.engine = engineFacade(
      async () => {
        await ready();
        return this.#build().engine();
      },
      () => (isReady() ? this.#build().engine() : null),
    );
    for (const m of ['ready', 'controller', 'close']) this[m] = this[m].bind(this);
  }

  #build() {
    if (this.#closed) throw new Error('offline-sync: this client was closed');
    return (this.#inner ??= new wasm.OfflineSyncClient(this.#options));
  }

  /** Loads the module and opens the database; sends what an earlier visit left queued. */
  async ready() {
    await ready();
    return this.#build().ready();
  }

  /** A sync controller of this client (what useOfflineSync uses under its provider). */
  controller(options) {
    return new OfflineSync(options, this);
  }

  /** Stops its timer and listeners and closes its database. */
  close() {
    this.#closed = true;
    this.#inner?.close();
  }
}

/** A client of its own, apart from the page's default (initOfflineSync) one. */
export function createOfflineSync(options) {
  return new OfflineSyncClient(options);
}
