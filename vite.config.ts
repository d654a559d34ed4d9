// Builds the renderer into dist/renderer. base './' makes asset URLs relative, so the same build
// works from the browser-mode server and from file:// in Electron.
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react()],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    // elkjs is loaded on first auto-layout only; it is large and not needed to draw a graph.
    chunkSizeWarningLimit: 2000,
  },
});
