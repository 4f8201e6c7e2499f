// Internal: the loader of the WebAssembly module (see ready() in ./core).
import type { InitInput } from './wasm/offline_sync.js';
export * as wasm from './wasm/offline_sync.js';

export function ready(input?: InitInput | Promise<InitInput>): Promise<void>;
export function isReady(): boolean;
