// Build the client (vite build → dist/client) when dist/client/index.html is
// missing or older than any client source. Used by `npm start` and by the e2e
// global setup; run directly: `node scripts/build-if-stale.mjs [--force]`.
import { spawn } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
export const builtIndex = path.join(root, 'dist', 'client', 'index.html')

// What the client bundle is made from. Test folders don't go into the bundle.
const SOURCES = ['client', 'shared', 'public', 'vite.config.ts', 'svelte.config.js', 'package-lock.json']
const SKIP_DIRS = new Set(['test', 'node_modules', '.git'])

/** Newest mtime (ms) among the client sources, and the file that has it. */
export function newestSource() {
  let newest = { mtimeMs: 0, file: '' }
  const visit = (p) => {
    let st
    try { st = statSync(p) } catch { return }
    if (st.isDirectory()) {
      for (const name of readdirSync(p)) {
        if (!SKIP_DIRS.has(name)) visit(path.join(p, name))
      }
    } else if (st.mtimeMs > newest.mtimeMs) {
      newest = { mtimeMs: st.mtimeMs, file: path.relative(root, p) }
    }
  }
  for (const s of SOURCES) visit(path.join(root, s))
  return newest
}

/** Why a build is needed, or null when dist/client is up to date. */
export function staleReason() {
  if (!existsSync(builtIndex)) return 'dist/client/index.html is missing'
  const built = statSync(builtIndex).mtimeMs
  const src = newestSource()
  if (src.mtimeMs > built) return `${src.file} is newer than dist/client/index.html`
  return null
}

/** Run `vite build`; resolves on success, rejects with the exit status otherwise. */
export function viteBuild() {
  const vite = path.join(root, 'node_modules', 'vite', 'bin', 'vite.js')
  if (!existsSync(vite)) return Promise.reject(new Error('vite is not installed: run `npm install` first'))
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [vite, 'build'], { cwd: root, stdio: 'inherit' })
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      if (code === 0) resolve()
      else reject(new Error(`vite build failed (${signal ?? `exit ${code}`})`))
    })
  })
}

/** Build if needed. Returns true when it built. */
export async function ensureClientBuilt({ force = false, log = console.error } = {}) {
  const reason = force ? 'forced' : staleReason()
  if (!reason) return false
  log(`[build] ${reason}: running vite build`)
  await viteBuild()
  if (!existsSync(builtIndex)) throw new Error('vite build finished but dist/client/index.html is missing')
  return true
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  ensureClientBuilt({ force: process.argv.includes('--force') }).then(
    (built) => { if (!built) console.error('[build] dist/client is up to date') },
    (err) => { console.error(`[build] ${err.message}`); process.exit(1) },
  )
}
