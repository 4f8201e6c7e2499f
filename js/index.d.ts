export {
  useOfflineSync, OfflineSyncProvider, useOfflineSyncClient, useSyncEngine, useLiveQuery, useEntity,
} from './react.js';
export type { UseOfflineSyncResult, LiveResult } from './react.js';
export * from './core.js';
