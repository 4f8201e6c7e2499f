import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// An ordinary React app's config: offline-sync needs nothing here. The manifest
// only tells the demo's service worker (public/sw.js) which files make the shell.
export default defineConfig({
  plugins: [react()],
  build: { manifest: 'asset-manifest.json' },
});
