import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'
import { svelte } from '@sveltejs/vite-plugin-svelte'
import { sharedAlias } from './client/build/alias.ts'
import { serviceWorker } from './client/build/sw-plugin.ts'

// The client lives in client/; the tracker serves the built files from dist/client.
export default defineConfig({
  root: 'client',
  publicDir: '../public',
  plugins: [svelte({ configFile: fileURLToPath(new URL('./svelte.config.js', import.meta.url)) }), serviceWorker()],
  build: { outDir: '../dist/client', emptyOutDir: true, target: 'es2022', sourcemap: true },
  resolve: { alias: sharedAlias },
  worker: { format: 'es' },
  server: { port: 5173 },
})
