// Bundles the bench's hashing page around the product's HashPool (client/src/lib/hashing/pool.ts)
// so the pool the app uses is what is measured. Built by bench/run.ts:
//   vite build --config bench/hash-page/vite.config.ts --outDir <tmp>
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'
import { sharedAlias } from '../../client/build/alias.ts'

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/hash/',
  publicDir: false,
  logLevel: 'warn',
  build: { target: 'es2022', emptyOutDir: true, sourcemap: false },
  resolve: { alias: sharedAlias },
  worker: { format: 'es' },
})
