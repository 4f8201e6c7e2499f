// useOfflineSync: the React binding of OfflineSync (drop-in for the old hook), and
// OfflineSyncProvider, which gives the components below it a client of their own.
import {
  createContext, createElement, useContext, useEffect, useLayoutEffect, useMemo, useRef, useState,
  useSyncExternalStore,
} from 'react';
import { OfflineSync } from './controller.js';
import { getSyncEngine } from './core.js';

// The client of the nearest provider; null: the page's default client.
const ClientContext = createContext(null);

/** Gives the components below a client of createOfflineSync (TanStack's QueryClientProvider). */
export function OfflineSyncProvider({ client, children }) {
  return createElement(ClientContext.Provider, { value: client ?? null }, children);
}

/** The nearest provider's client, or null under none (the page's default client). */
export function useOfflineSyncClient() {
  return useContext(ClientContext);
}

/** The engine of the nearest provider's client, or the page's (getSyncEngine()). */
export function useSyncEngine() {
  const client = useContext(ClientContext);
  return client ? client.engine : getSyncEngine();
}

const useIsomorphicLayoutEffect = typeof document === 'undefined' ? useEffect : useLayoutEffect;
const isCallback = (f) => f == null || typeof f === 'function';

// The controller gets stable callbacks that call the latest render's ones; a bad
// value goes through as is, so the controller's TypeError names the option.
function controllerOptions(options, latest) {
  const { onSyncStart, onSyncComplete, onConflict, ...rest } = options;
  return {
    ...rest,
    onSyncStart: isCallback(onSyncStart) ? () => latest.current.onSyncStart?.() : onSyncStart,
    onSyncComplete: isCallback(onSyncComplete) ? (r) => latest.current.onSyncComplete?.(r) : onSyncComplete,
    onConflict: isCallback(onConflict) ? (c) => latest.current.onConflict?.(c) : onConflict,
  };
}

export function useOfflineSync(options = {}) {
  const latest = useRef(options);
  const client = useContext(ClientContext);
  // One controller per component (of the provider's client, else the page's); it touches nothing until subscribed, so the
  // instance StrictMode builds and throws away costs nothing.
  const [sync] = useState(() => new OfflineSync(controllerOptions(options, latest), client ?? undefined));
  useIsomorphicLayoutEffect(() => {
    latest.current = options;
  });

  const { autoSyncInterval, syncOnOnline, syncOnVisibility, syncOnMount, pushDelayMs } = options;
  const applied = useRef([autoSyncInterval, syncOnOnline, syncOnVisibility, syncOnMount, pushDelayMs]);
  useEffect(() => {
    const next = [autoSyncInterval, syncOnOnline, syncOnVisibility, syncOnMount, pushDelayMs];
    if (next.some((v, i) => !Object.is(v, applied.current[i]))) {
      applied.current = next;
      sync.setOptions(controllerOptions(latest.current, latest));
    }
  }, [sync, autoSyncInterval, syncOnOnline, syncOnVisibility, syncOnMount, pushDelayMs]);

  // Subscribing activates the controller (listeners, timer, sync on mount);
  // unsubscribing on unmount releases them.
  const snapshot = useSyncExternalStore(sync.subscribe, sync.getSnapshot, sync.getServerSnapshot);
  return useMemo(
    () => ({
      status: snapshot.status,
      isOnline: snapshot.isOnline,
      performSync: sync.performSync,
      startAutoSync: sync.startAutoSync,
      stopAutoSync: sync.stopAutoSync,
    }),
    [sync, snapshot],
  );
}

// Live queries as hooks: one small store per (entity, query) that watches while a
// component is subscribed (useSyncExternalStore), and keeps its last snapshot when
// a new result is equal to it, so an unchanged result renders nothing.
const LOADING = Object.freeze({ data: undefined, isLoading: true, error: undefined });
const getServerSnapshot = () => LOADING;

// Deep equality of query results: plain data as IndexedDB holds it.
function same(a, b) {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (a instanceof Date || b instanceof Date) {
    return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && same(a[k], b[k]));
}

function liveStore(start) {
  let snapshot = LOADING;
  let stop = null;
  const listeners = new Set();
  const set = (next) => {
    snapshot = next;
    listeners.forEach((l) => l());
  };
  const onResult = (data) => {
    if (!snapshot.isLoading && !snapshot.error && same(data, snapshot.data)) return;
    set({ data, isLoading: false, error: undefined });
  };
  const onError = (error) => set({ data: snapshot.data, isLoading: false, error });
  return {
    subscribe(listener) {
      listeners.add(listener);
      if (!stop) {
        try {
          stop = start(onResult, onError);
        } catch (e) {
          // A wrong query: the hook reports it instead of throwing from an effect.
          stop = () => {};
          snapshot = { data: undefined, isLoading: false, error: e };
        }
      }
      return () => {
        listeners.delete(listener);
        if (!listeners.size && stop) {
          stop();
          stop = null;
          snapshot = LOADING;
        }
      };
    },
    getSnapshot: () => snapshot,
    getServerSnapshot,
  };
}

// A query's identity across renders: an inline `{ where: { courseId } }` is a new
// object each render but the same query. Dates are told apart from strings.
const queryKey = (query) =>
  JSON.stringify(query ?? null, function (k, v) {
    return this[k] instanceof Date ? { $date: this[k].getTime() } : v;
  });

function useLive(key, engine, start) {
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const store = useMemo(() => liveStore(start), [key, engine]);
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getServerSnapshot);
}

// Both watch the engine of the nearest provider's client, else the page's.
export function useLiveQuery(entity, query) {
  const engine = useSyncEngine();
  const key = `${entity}\u0000${queryKey(query)}`;
  return useLive(key, engine, (onResult, onError) => engine.watch(entity, query, onResult, onError));
}

export function useEntity(entity, id) {
  const engine = useSyncEngine();
  const key = `${entity}\u0000${id}`;
  return useLive(key, engine, (onResult, onError) => engine.watchEntity(entity, id, onResult, onError));
}
