// Before the e2e run: make sure dist/client holds a build of the current
// client sources (the tracker fixture serves it), building it if stale.
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export default function globalSetup(): void {
  const root = fileURLToPath(new URL('..', import.meta.url))
  execFileSync(process.execPath, [path.join(root, 'scripts', 'build-if-stale.mjs')], { cwd: root, stdio: 'inherit' })
  if (!existsSync(path.join(root, 'dist', 'client', 'index.html'))) {
    throw new Error('dist/client/index.html is missing after the build')
  }
}
