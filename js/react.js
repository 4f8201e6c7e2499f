// useOfflineSync: the React binding of OfflineSync (drop-in for the old hook).
import { useEffect, useLayoutEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { OfflineSync } from './controller.js';

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
  // One controller per component; it touches nothing until subscribed, so the
  // instance StrictMode builds and throws away costs nothing.
  const [sync] = useState(() => new OfflineSync(controllerOptions(options, latest)));
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
