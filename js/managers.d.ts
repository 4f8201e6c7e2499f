/**
 * Whether the page is online, for every client: the browser's `navigator.onLine`
 * and `online`/`offline` events unless the app sets a value (TanStack Query's
 * `onlineManager`). Going online starts a sync where `syncOnOnline` is set.
 */
export interface OnlineManager {
  /** `true`/`false` overrides the browser; `undefined` hands it back. */
  setOnline(online: boolean | undefined): void;
  isOnline(): boolean;
  /**
   * Hands the value to a source of the app's own (a native shell's network
   * plugin): `setup` gets `setOnline` and returns a cleanup, called when another
   * source replaces it.
   */
  setEventListener(setup: (setOnline: (online: boolean | undefined) => void) => (() => void) | void): void;
}

/** Whether the page is visible, for every client (`document.visibilityState` unless set). */
export interface FocusManager {
  setVisible(visible: boolean | undefined): void;
  isVisible(): boolean;
  setEventListener(setup: (setVisible: (visible: boolean | undefined) => void) => (() => void) | void): void;
}

export const onlineManager: OnlineManager;
export const focusManager: FocusManager;
