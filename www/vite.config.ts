import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// An ordinary React app's config: offline-sync needs nothing here. The manifest
// only tells the demo's service worker which files make the shell. The worker
// (src/sw.js, which imports offline-sync/sw) is a second entry, written to
// dist/sw.js at the root so its scope covers the app (docs/background-sync.md).
export default defineConfig({
  plugins: [react()],
  build: {
    manifest: 'asset-manifest.json',
    rollupOptions: {
      input: { main: 'index.html', sw: 'src/sw.js' },
      output: { entryFileNames: (chunk) => (chunk.name === 'sw' ? 'sw.js' : 'assets/[name]-[hash].js') },
    },
  },
});
