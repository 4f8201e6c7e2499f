// Internal: loading the WebAssembly module once (see ready() in ./core).
import type { InitInput } from './wasm/offline_sync.js';
export * as wasm from './wasm/offline_sync.js';

/**
 * Loads and instantiates the wasm module, once however many callers. `input`
 * (only the first call's counts) says where the .wasm is; by default it is found
 * next to the glue through `import.meta.url`. Rejects if it cannot be loaded; a
 * later call tries again.
 */
export function ready(input?: InitInput | Promise<InitInput>): Promise<void>;
/** Whether `ready()` has resolved. */
export function isReady(): boolean;
/** Records an initOfflineSync() in flight. */
export function trackInit(p: Promise<unknown>): void;
/** The module is loaded and no initOfflineSync() is in flight. */
export function settled(): Promise<void>;

/** Each OfflineSyncClient's builder of its wasm client (internal). */
export const wasmClients: WeakMap<object, () => import('./wasm/offline_sync.js').OfflineSyncClient>;
