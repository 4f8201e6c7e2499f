//! TypeScript shapes of the values that cross the boundary as plain objects.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
export type MutationType = 'CREATE' | 'UPDATE' | 'DELETE';

/** An entity's data as the app stores it; always carries its `id`. */
export type EntityData = { id?: string | number; [field: string]: unknown };

/** A value a query compares: across kinds, null < false < true < numbers < Dates < strings. */
export type QueryValue = string | number | boolean | null | Date;

/** A condition on one field: a value (equality), or operators that must all hold. */
export type QueryCondition =
  | QueryValue
  | { eq?: QueryValue; gt?: QueryValue; gte?: QueryValue; lt?: QueryValue; lte?: QueryValue; in?: QueryValue[] };

/** One sort key: a field (ascending), or a field and its direction. */
export type QueryOrder = string | { field: string; direction?: 'asc' | 'desc' };

/**
 * `query(entityType, query)` (docs/queries.md): records whose field is missing or
 * holds an object, an array or `undefined` match no condition on it and sort last.
 */
export interface Query {
  /** Conditions by field; all must hold. */
  where?: Record<string, QueryCondition>;
  /** Sort keys, first one first; ties (and no orderBy) in id order. */
  orderBy?: QueryOrder | QueryOrder[];
  /** At most this many results (after `offset`). */
  limit?: number;
  /** Results skipped first. */
  offset?: number;
}

export interface InitOptions {
  /** Base URL of the sync API. Default `/api`. */
  apiBaseUrl?: string;
  /** One IndexedDB database per namespace (use one per signed-in user). Default `offline-sync`. */
  namespace?: string;
  /** Returns the bearer token (sync or async). Called again once after a 401. Never stored. */
  getAuthToken?: () => string | null | undefined | Promise<string | null | undefined>;
  /** Timeout of each request in ms. Default 30000. */
  requestTimeoutMs?: number;
  /** Entities per pull page, 1..1000. Default 500. */
  pullPageSize?: number;
  /** Largest change payload accepted, in bytes of JSON. Default 1000000. */
  maxPayloadBytes?: number;
  /** First retry delay in ms (exponential backoff with full jitter). Default 1000. */
  retryBaseMs?: number;
  /** Longest retry delay in ms. Default 300000. */
  retryMaxMs?: number;
  /** Attempts before a change is set aside as failed; 0 = never. Default 10. */
  maxAttempts?: number;
  /**
   * URL of a service worker script to register as a module worker (the package's
   * standalone worker, or your own that calls `offline-sync/sw`). Omit it when your
   * app registers its worker itself. Background sync uses whichever worker is registered.
   */
  serviceWorker?: string | false;
  /**
   * Called once, before `initOfflineSync` resolves, when the engine opened an empty
   * database: a first visit, or storage the browser deleted (Safari deletes a site's
   * storage after 7 days without use). Offer to download again what the user had.
   * `getSyncEngine().startedEmpty()` tells the same where no function can be passed.
   */
  onEmptyDatabase?: () => void;
  /**
   * Sync with a plain REST API instead of the sync protocol: per entity type, its
   * paths and answer shapes (docs/rest.md). `apiBaseUrl` is the API's base
   * (e.g. `https://api.example.com/api/v2`).
   */
  rest?: RestOptions;
  /**
   * Your own functions: `{ request }` to reach the `rest` resources through your
   * HTTP client (it then handles auth and refresh), or `{ push, pull }` for a
   * backend neither the protocol nor `rest` can describe.
   */
  transport?: RequestTransport | FunctionTransport;
  /**
   * The named scopes `downloadScope(name, id)` can download (docs/PROTOCOL.md §5);
   * the server declares the same. Default: `{ course: { key: 'courseId' } }`,
   * what `downloadCourse` uses.
   */
  scopes?: Record<string, ScopeDeclaration>;
  /**
   * Indexes `query()` and live queries read instead of every entity of a type,
   * by entity type: a field, or an array of fields (a compound index), e.g.
   * `{ lesson: ['courseId', ['courseId', 'position']] }` (docs/queries.md).
   * Another set than the database has upgrades it in place, data and queue kept.
   */
  indexes?: Record<string, Array<string | string[]>>;
  /**
   * What happens when the server refuses a local change as stale, per entity type
   * (docs/conflicts.md): `'serverWins'` (default), `'clientWins'`, `'manual'` or
   * `{ merge }`. A service worker declares its own (with its own merge functions).
   */
  conflicts?: Record<string, ConflictPolicy<any>>;
}

export interface RestOptions {
  /** Per entity type (the `entityType` of queueMutation), how its resource is reached. */
  resources: Record<string, RestResource>;
  /** Options every resource takes unless it sets them itself. */
  defaults?: Partial<RestResource>;
}

/** A path relative to apiBaseUrl; `:id` is the record's id, other `:name`s are its fields. */
export type RestPath = string;

export interface RestRoute {
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: RestPath;
}

export interface RestResource {
  /** The list (GET, read by a full sync when it has no placeholders) and where new records are POSTed, e.g. `/courses`. */
  collection?: RestPath;
  /** One record (GET, PUT/PATCH, DELETE), e.g. `/courses/:id`. */
  item?: RestPath;
  /** The field that holds a record's id. Default `id` (`_id` for Mongo-style APIs). */
  idField?: string;
  /** Where the array sits in a list answer, dotted (`data.courses`); default `''`, the body is the array. */
  list?: string;
  /** Where the record sits in a single-record answer (`data`); default `''`, the body is the record. */
  record?: string;
  /** How a new record is sent. Default 'POST' to `collection`; 'PUT' sends it to `item`. */
  create?: 'POST' | 'PUT' | RestRoute | false;
  /** How a change is sent. Default 'PUT' (the whole record) to `item`; 'PATCH' sends only the changed fields. */
  update?: 'PUT' | 'PATCH' | RestRoute | false;
  /** How a delete is sent. Default 'DELETE' to `item`. */
  delete?: 'DELETE' | RestRoute | false;
  /** How lists are paged; default none (one request answers the whole list). */
  pagination?: RestPagination | false;
  /**
   * What is read per scope: `all` (a full sync; default `collection` when it has no
   * placeholders; false for none) and `course` (`downloadCourse(id)`; one
   * placeholder for the course id, e.g. `/courses/:courseId/lessons`, whose name is
   * also the record field that links a record to its course).
   */
  scope?: { all?: RestPath | false; course?: RestPath };
  /** A field holding the record's version: `If-Match: "<value>"` when no ETag is known. */
  versionField?: string;
  /** Send `If-Match` with the record's last ETag (or version) on updates and deletes. Default true. */
  ifMatch?: boolean;
  /** Whether the API takes ids chosen by the client in POST bodies. Default true; false: the server's id re-keys the record. */
  clientIds?: boolean;
}

export interface RestPagination {
  style?: 'page' | 'none';
  /** Default `page`. */
  pageParam?: string;
  /** Default `limit`. */
  limitParam?: string;
  /** Default 100. */
  pageSize?: number;
  /** 1 (default) or 0. */
  firstPage?: number;
  /** Where the answer says how many pages there are, e.g. `data.pagination.totalPages`. */
  totalPages: string;
}

/** What `transport.request` resolves (axios-style rejections with `error.response` are read too). */
export interface RequestResult {
  status: number;
  data?: unknown;
  /** For `ETag`. */
  headers?: Headers | Record<string, string>;
}

export interface RequestTransport {
  request: (
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    url: string,
    body: EntityData | undefined,
    headers: Record<string, string>,
  ) => Promise<RequestResult>;
}

export interface PushMutation {
  mutationId: string;
  op: MutationType;
  entityType: string;
  entityId: string;
  baseVersion: number | null;
  data: EntityData | null;
}

export interface PushResult {
  mutationId: string;
  status: 'applied' | 'conflict' | 'rejected';
  /** The server's record after the change; may be left out for `applied` (the change as sent is kept). */
  entity?: ServerEntity;
  error?: string;
}

export interface FunctionTransport {
  /** One result per mutation, in order. Throw an error with `status` (HTTP) or `kind` ('network' | 'server' | 'rejected' | 'auth') to say what failed. */
  push: (mutations: PushMutation[]) => Promise<PushResult[] | { results: PushResult[] }>;
  /** `scope` is 'all' or 'course:<id>'; `cursor` what the last page gave (null at first). */
  pull: (
    scope: string,
    cursor: string | null,
    limit: number,
  ) => Promise<{ changes: ServerEntity[]; cursor: string; hasMore: boolean }>;
}

/**
 * network: the server could not be reached or timed out (retried; never uses up attempts).
 * server: it answered 5xx/408/429 (retried with backoff, honouring Retry-After).
 * rejected: it refused a change for good (the change is set aside, see `failed()`).
 * auth: the token was refused twice (nothing dropped; sign in again).
 * protocol: its answer was not the protocol (retried). storage: IndexedDB failed. input: a bad call.
 */
export type SyncErrorKind = 'network' | 'server' | 'rejected' | 'auth' | 'protocol' | 'storage' | 'input';

export interface SyncResult {
  success: boolean;
  /** What went wrong, for a person; null when the sync succeeded. */
  error: string | null;
  errorKind: SyncErrorKind | null;
  /** Queued changes the server applied. */
  pushed: number;
  /** Server changes written locally. */
  pulled: number;
  /** Queued changes settled (applied, conflicted or set aside). */
  processed: number;
  /** Queued changes set aside as failed in this sync. */
  failed: number;
  /** Local changes refused as stale; the server's version won (see `conflicts()`). */
  conflicts: number;
  durationMs: number;
}

export interface QueueEntry {
  /** Position in the queue. */
  id: number;
  /** Stable id sent with the change; the server applies it once. */
  mutationId: string;
  type: MutationType;
  entity: string;
  entityId: string;
  payload: EntityData | null;
  baseVersion: number | null;
  /** The entity as the app saw it when it made the change. */
  baseData?: EntityData | null;
  /** The server's ETag of that version (REST), sent as `If-Match`. */
  baseEtag?: string;
  createdAt: number;
  /** Sends that did not succeed (a change leaves the queue once one does). */
  attempts: number;
  /** When the last of those was. */
  lastAttemptAt?: number;
  error?: string;
  status: 'pending' | 'failed';
}

export interface ServerEntity {
  entityType: string;
  id: string;
  version: number;
  deleted: boolean;
  data: EntityData | null;
  /** REST: the record's last ETag. */
  etag?: string;
}

export interface Conflict<T extends EntityData = EntityData> {
  /** The refused change's mutation id: the key of resolveConflict/dismissConflict. */
  mutationId: string;
  entityType: string;
  entityId: string;
  type: MutationType;
  /** The local change the server refused (a patch for `update`). */
  local: Partial<T> | null;
  /** The server's version when it refused the change. */
  server: ServerEntity | null;
  /** The entity as it was when the local change was made (null for a create). */
  base: T | null;
  /** The policy of the entity type (absent on records from before conflict policies). */
  policy?: ConflictPolicyName;
  /**
   * How it ended: `'server'` (the server's version stays), `'local'` (the local
   * change was queued again), `'merged'` (the merge's result was queued); null
   * while it waits for resolveConflict/dismissConflict (counted in `conflictCount`).
   */
  resolution: 'server' | 'local' | 'merged' | null;
  /** Why a `merge` policy fell back to manual (it threw or did not return an object). */
  error?: string;
  at: number;
}

export type ConflictPolicyName = 'serverWins' | 'clientWins' | 'merge' | 'manual';

/**
 * Merges a refused local change with the server's version: `local` is the whole
 * local version (null for a delete), `server` the server's (null if it deleted
 * the entity), `base` what the local change was made on (null for a create).
 * Must be synchronous and return an object (queued as an update); throwing or
 * returning anything else holds the conflict for the app, with the error.
 */
export type MergeFunction<T extends EntityData = EntityData> = (local: T | null, server: T | null, base: T | null) => T;

/** A policy for one entity type (docs/conflicts.md). Default `'serverWins'`. */
export type ConflictPolicy<T extends EntityData = EntityData> =
  | 'serverWins'
  | 'clientWins'
  | 'manual'
  | { merge: MergeFunction<T> };

export interface OfflineSyncOptions {
  /** Auto-sync interval in ms. Default 60000; 0 disables auto-sync. */
  autoSyncInterval?: number;
  /** Sync when the device comes online. Default true. */
  syncOnOnline?: boolean;
  /** Sync when the page becomes visible. Default true. */
  syncOnVisibility?: boolean;
  /** Sync when the controller starts (component mount). Default true. */
  syncOnMount?: boolean;
  /**
   * Push a local change this many ms after it (each change restarts the wait, so a
   * burst of edits is one request). Default 250; 0 or false disables it. Offline,
   * or after a sync that failed to reach the server, changes wait for a trigger.
   */
  pushDelayMs?: number | false;
  onSyncStart?: () => void;
  onSyncComplete?: (result: SyncResult) => void;
  /** Each conflict a sync of this page settled, whatever its policy did with it. */
  onConflict?: (conflict: Conflict) => void;
}

export interface SyncStatus {
  isRunning: boolean;
  /** Last successful sync of the namespace (any tab or the worker), ms since the epoch; kept across reloads. */
  lastSyncAt: number | null;
  /** Next automatic sync, ms since the epoch; null when none is scheduled. */
  nextSyncAt: number | null;
  /**
   * What went wrong in the last sync, in words for the person using the app (no
   * URL, no browser error text); cleared by the next good sync. The developer's
   * message is `SyncResult.error`.
   */
  error: string | null;
  /** The kind of `error`; null when there is none. */
  errorKind: SyncErrorKind | null;
  /**
   * False when the last sync could not reach the server although the device was
   * online (the server, or the way to it, is down); true again after a sync that
   * reaches it. Offline, `isOnline` is false and this says nothing new.
   */
  serverReachable: boolean;
  /** Syncs performed (finished, successful or not). */
  syncCount: number;
  /** Changes waiting for the server. */
  pendingCount: number;
  /** Changes set aside as failed (see `failed()`). */
  failedCount: number;
  /** Conflicts waiting for resolveConflict/dismissConflict ("2 changes need your attention"). */
  conflictCount: number;
  /** How far a long sync, push or download has come; null when nothing long runs (docs/progress.md). */
  progress: SyncProgress | null;
}

/** What a long sync or download has done so far, reported a few times a second. */
export interface SyncProgress {
  phase: 'push' | 'pull';
  /** Pull: server changes written so far; push: queued changes settled so far. */
  loaded: number;
  /** What `loaded` counts towards, when the server says (protocol `remaining`, REST `pagination.total`) or the queue's length; null when unknown, never guessed. */
  total: number | null;
}

export interface DownloadOptions {
  /** Called as pages are written, at most a few times a second, and once at the end. */
  onProgress?: (progress: SyncProgress) => void;
}

export interface OfflineSyncSnapshot {
  status: SyncStatus;
  isOnline: boolean;
}

export interface OfflineCourse {
  courseId: string;
  downloadedAt: number;
}

/** One instance of a named scope downloaded for offline use. */
export interface OfflineScope {
  /** The scope's name (`course`). */
  scope: string;
  /** The id of its root (the course's id). */
  id: string;
  downloadedAt: number;
}

/**
 * A named scope: the entities of type `root` (default: the scope's name) are the
 * roots, and any other entity whose data's `key` field holds a root's id belongs
 * to that root's scope. The learning platform's: `{ course: { key: 'courseId' } }`.
 */
export interface ScopeDeclaration {
  root?: string;
  key: string;
}
"#;
