import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { initOfflineSync } from 'offline-sync';
import { App } from './App';
import { conflicts } from './conflicts.js';
import './styles.css';

/** Where the demo syncs: `?api=...&user=...` wins over the served config.json. */
interface DemoConfig {
  apiBaseUrl: string;
  user: string;
  /** Auto-sync interval in ms (`?autoSync=1000`); default 30 s. */
  autoSyncInterval: number;
  /** How soon a local change is pushed (`?pushDelay=0` turns pushing at once off); default 250 ms. */
  pushDelayMs: number;
}

async function loadConfig(): Promise<DemoConfig> {
  const query = new URLSearchParams(location.search);
  let served: Partial<DemoConfig> = {};
  if (!query.has('api')) {
    try {
      const r = await fetch('config.json', { cache: 'no-store' });
      if (r.ok) served = (await r.json()) as Partial<DemoConfig>;
    } catch {
      // offline and not cached yet: defaults
    }
  }
  return {
    apiBaseUrl: query.get('api') ?? served.apiBaseUrl ?? 'http://127.0.0.1:8787',
    user: query.get('user') ?? served.user ?? 'demo',
    autoSyncInterval: Number(query.get('autoSync') ?? 30000),
    pushDelayMs: Number(query.get('pushDelay') ?? 250),
  };
}

async function start() {
  const root = createRoot(document.getElementById('root')!);
  const config = await loadConfig();
  try {
    await initOfflineSync({
      apiBaseUrl: config.apiBaseUrl,
      getAuthToken: () => `dev-${config.user}`,
      namespace: `offline-sync-demo-${config.user}`,
      // Course titles: the person chooses; progress: merged (src/conflicts.js, shared with the worker).
      conflicts,
      // The demo's worker (src/sw.js: background sync + app-shell cache), production
      // build only; it makes the same namespace and token from these two.
      serviceWorker:
        import.meta.env.PROD && 'serviceWorker' in navigator
          ? `sw.js?${new URLSearchParams({ apiBaseUrl: config.apiBaseUrl, user: config.user })}`
          : false,
    });
  } catch (e) {
    root.render(<p className="fatal">Could not start offline-sync: {String(e)}</p>);
    return;
  }
  root.render(
    <StrictMode>
      <App apiBaseUrl={config.apiBaseUrl} user={config.user} autoSyncInterval={config.autoSyncInterval}
        pushDelayMs={config.pushDelayMs}
      />
    </StrictMode>,
  );
}

void start();
