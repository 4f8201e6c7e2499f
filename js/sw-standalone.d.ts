// offline-sync/sw-standalone.js is a service worker script, not a module to import:
// register it (as a module worker) with its options in the URL query. See
// docs/background-sync.md.
export {};
