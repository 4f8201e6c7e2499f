// onlineManager and focusManager: the page's two trigger sources, after TanStack
// Query's. Every client counts the page online (and visible) as the browser says,
// unless the app says otherwise here: a WebView whose navigator.onLine lies, a
// native shell's network plugin, a test. Setting a value before the module has
// loaded is kept and applied when it loads.
import { isReady, ready, wasm } from './load.js';

function manager(setName, fromBrowser) {
  let value; // undefined: the browser's
  let cleanup = null;
  const apply = () => wasm[setName](value);
  const set = (v) => {
    if (v !== undefined && typeof v !== 'boolean') {
      throw new TypeError(`offline-sync: ${setName} takes true, false or undefined, not ${typeof v}`);
    }
    value = v;
    if (isReady()) apply();
    else ready().then(apply, () => {});
  };
  return {
    set,
    get: () => value ?? fromBrowser(),
    setEventListener(setup) {
      cleanup?.();
      cleanup = setup(set) ?? null;
    },
  };
}

const online = manager('setOnline', () => typeof navigator === 'undefined' || navigator.onLine !== false);
const focus = manager('setVisible', () => typeof document === 'undefined' || document.visibilityState === 'visible');

export const onlineManager = Object.freeze({
  setOnline: online.set,
  isOnline: online.get,
  setEventListener: online.setEventListener,
});

export const focusManager = Object.freeze({
  setVisible: focus.set,
  isVisible: focus.get,
  setEventListener: focus.setEventListener,
});
