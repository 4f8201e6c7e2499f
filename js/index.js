// offline-sync: the React hook plus everything of ./core.
export { useOfflineSync } from './react.js';
export { ready, isReady, initOfflineSync, getSyncEngine, OfflineSync, isOfflineSyncError } from './core.js';
