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
