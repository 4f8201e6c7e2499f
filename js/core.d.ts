// offline-sync without React: the engine, the sync controller, and the wasm loader.
import type {
  Conflict, DownloadOptions, EntityData, InitOptions, MutationType, OfflineCourse, OfflineScope, Query, QueueEntry, SyncResult,
} from './wasm/offline_sync.js';

export type {
  Conflict, ConflictPolicy, ConflictPolicyName, MergeFunction, DownloadOptions, EntityData, InitOptions, MutationType,
  OfflineCourse, OfflineScope, Query, QueryCondition, QueryOrder, QueryValue, QueueEntry, ScopeDeclaration,
  ServerEntity, SyncErrorKind, SyncProgress, SyncResult, InitInput,
} from './wasm/offline_sync.js';
export { OfflineSync } from './controller.js';
export type { OfflineSyncOptions, OfflineSyncSnapshot, SyncStatus } from './controller.js';
export { ready, isReady } from './load.js';
export { createOfflineSync, OfflineSyncClient } from './client.js';
export { onlineManager, focusManager } from './managers.js';
export type { OnlineManager, FocusManager } from './managers.js';
export { isOfflineSyncError } from './errors.js';
export type { OfflineSyncError } from './errors.js';

/** Loads the wasm module, configures the page's engine and opens its database. */
export function initOfflineSync(options?: InitOptions): Promise<void>;

/** The page's engine. Every method loads the wasm module first if needed. */
export interface SyncEngineApi {
  /** Pushes queued changes, then pulls server changes. Never rejects: a failed sync resolves `success: false`. A second call joins the sync in flight. */
  fullSync(): Promise<SyncResult>;
  /** Pulls a course and everything under it, and keeps it available offline (`downloadScope('course', id)`). */
  downloadCourse(courseId: string, options?: DownloadOptions): Promise<void>;
  /** Pulls one instance of a declared scope (`scopes` of initOfflineSync) and keeps it available offline. */
  downloadScope(scope: string, id: string, options?: DownloadOptions): Promise<void>;
  /** Queues a change and applies it locally at once; resolves with its mutation id once durable. */
  queueMutation(type: MutationType, entity: string, entityId: string, payload?: EntityData | null): Promise<string>;
  /** The entity as the app sees it now (local changes included). */
  get(entity: string, id: string): Promise<EntityData | undefined>;
  list(entity: string): Promise<EntityData[]>;
  /**
   * The entities of a type as the app sees them that match `query`
   * (`{ where, orderBy, limit, offset }`); a wrong query is a `TypeError` naming it.
   * `T` is the entity's data type: `query<Lesson>('lesson', { where: { courseId } })`.
   */
  query<T extends EntityData = EntityData>(entity: string, query?: Query): Promise<T[]>;
  /**
   * A live query: `onResult` gets the entities that match `query` now, then again
   * whenever a change here, in another tab or in the service worker may have altered
   * them (a burst of changes: once). Returns the function that stops it (calling it
   * twice is harmless). A wrong query throws a `TypeError` at once once the module
   * is loaded (before, it goes to `onError`). See docs/queries.md.
   */
  watch<T extends object = EntityData>(
    entity: string,
    query: Query | undefined,
    onResult: (result: T[]) => void,
    onError?: (error: Error) => void,
  ): () => void;
  /** One entity, live: `onResult` gets it (`undefined`: none) now, then after each change to it. */
  watchEntity<T extends object = EntityData>(
    entity: string,
    id: string,
    onResult: (entity: T | undefined) => void,
    onError?: (error: Error) => void,
  ): () => void;
  /** Sets the whole entity locally and queues it; resolves with the mutation id. */
  put(entity: string, id: string, data: EntityData): Promise<string>;
  /** Deletes the entity locally and queues the delete; resolves with the mutation id. */
  remove(entity: string, id: string): Promise<string>;
  pendingCount(): Promise<number>;
  pending(): Promise<QueueEntry[]>;
  failed(): Promise<QueueEntry[]>;
  /** Requeues failed entries (all, or these mutation ids); resolves with how many. */
  retryFailed(mutationIds?: string[]): Promise<number>;
  /** Drops failed entries (all, or these mutation ids); resolves with how many. */
  discardFailed(mutationIds?: string[]): Promise<number>;
  conflicts(): Promise<Conflict[]>;
  /**
   * Settles a held conflict: `'local'` queues the local change again on top of the
   * server's version, `'server'` keeps the server's, an object is queued as the
   * merged version. Resolves with the new mutation id (null for `'server'`);
   * rejects for an unknown id (so a second call queues nothing).
   */
  resolveConflict<T extends EntityData = EntityData>(mutationId: string, choice: 'local' | 'server' | T): Promise<string | null>;
  /** Drops a conflict record, sending nothing; resolves with whether there was one. */
  dismissConflict(mutationId: string): Promise<boolean>;
  offlineCourses(): Promise<OfflineCourse[]>;
  /** Every scope instance downloaded for offline use, courses included. */
  offlineScopes(): Promise<OfflineScope[]>;
  clientId(): Promise<string>;
  /**
   * Whether the database was empty when the engine opened it: a first visit, or
   * storage the browser deleted (Safari's 7-day rule, cleared site data). The app
   * can then offer to download again what the user had (docs/safari.md).
   */
  startedEmpty(): Promise<boolean>;
  /** Wipes everything this namespace stored (sign-out). */
  clearLocalData(): Promise<void>;
}

/** The page's engine; synchronous, usable before the wasm module is loaded. */
export function getSyncEngine(): SyncEngineApi;
