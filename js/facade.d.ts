import type { SyncEngineApi } from './core.js';
import type { SyncEngine } from './wasm/offline_sync.js';

/** The engine's JS face over the wasm engine `current()` resolves with (internal). */
export function engineFacade(current: () => Promise<SyncEngine>, now: () => SyncEngine | null): SyncEngineApi;
