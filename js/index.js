// offline-sync: the React hook plus everything of ./core.
export {
  useOfflineSync, OfflineSyncProvider, useOfflineSyncClient, useSyncEngine, useLiveQuery, useEntity,
} from './react.js';
export {
  ready, isReady, initOfflineSync, getSyncEngine, OfflineSync, isOfflineSyncError, createOfflineSync, OfflineSyncClient,
  onlineManager, focusManager,
} from './core.js';
