// createOfflineSync, its provider and the trigger sources, as an app's TypeScript sees them.
import {
  createOfflineSync, focusManager, OfflineSync, OfflineSyncClient, onlineManager,
  type SyncEngineApi,
} from '../../dist/offline-sync/core.js';

const client: OfflineSyncClient = createOfflineSync({ namespace: 'admin', apiBaseUrl: '/api' });
const engine: SyncEngineApi = client.engine;
const ready: Promise<void> = client.ready();
const controller: OfflineSync = client.controller({ autoSyncInterval: 0 });
const alsoController = new OfflineSync({ syncOnMount: false }, client);
client.close();

onlineManager.setOnline(false);
onlineManager.setOnline(undefined);
const online: boolean = onlineManager.isOnline();
onlineManager.setEventListener((setOnline) => {
  setOnline(true);
  return () => {};
});
focusManager.setVisible(true);
const visible: boolean = focusManager.isVisible();

// @ts-expect-error: a client is not a controller's options
new OfflineSync(client);
// @ts-expect-error: online is a boolean or undefined
onlineManager.setOnline('yes');

export { engine, ready, controller, alsoController, online, visible };

// The provider takes a client; the hooks under it are typed.
import { OfflineSyncProvider, useOfflineSyncClient, useSyncEngine } from '../../dist/offline-sync/index.js';
const element = OfflineSyncProvider({ client, children: null });
const fromContext: OfflineSyncClient | null = useOfflineSyncClient();
const nearestEngine: SyncEngineApi = useSyncEngine();
// @ts-expect-error: the provider needs a client
OfflineSyncProvider({ children: null });
export { element, fromContext, nearestEngine };
