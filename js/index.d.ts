export { useOfflineSync, OfflineSyncProvider, useOfflineSyncClient, useSyncEngine } from './react.js';
export type { UseOfflineSyncResult } from './react.js';
export * from './core.js';
