export { useOfflineSync } from './react.js';
export type { UseOfflineSyncResult } from './react.js';
export * from './core.js';
