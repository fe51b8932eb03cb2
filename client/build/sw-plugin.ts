// Builds the service worker (client/src/sw/sw.ts) as /sw.js: one classic script with everything
// inlined, at the root so its scope is the whole app. A separate build because the app's build
// would share chunks (idb, the db schema) between the page and the worker, and a worker made of
// ES-module chunks needs `type: 'module'` registration, which not every browser has.
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build, type Plugin } from 'vite'
import { sharedAlias } from './alias.ts'

const ENTRY = fileURLToPath(new URL('../src/sw/sw.ts', import.meta.url))

export function serviceWorker(): Plugin {
  let outDir = ''
  let sourcemap: boolean | 'inline' | 'hidden' = false
  return {
    name: 'tabswarm-service-worker',
    apply: 'build',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir)
      sourcemap = config.build.sourcemap
    },
    async closeBundle() {
      await build({
        configFile: false,
        logLevel: 'warn',
        resolve: { alias: sharedAlias },
        build: {
          outDir,
          emptyOutDir: false,
          target: 'es2022',
          sourcemap,
          copyPublicDir: false,
          lib: { entry: ENTRY, formats: ['iife'], name: 'tabswarmServiceWorker', fileName: () => 'sw.js' },
        },
      })
    },
  }
}
