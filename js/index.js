// offline-sync: the React hook plus everything of ./core.
export { useOfflineSync, useLiveQuery, useEntity } from './react.js';
export { ready, isReady, initOfflineSync, getSyncEngine, OfflineSync, isOfflineSyncError } from './core.js';
