// `npm start`: build the client if dist/client is missing or stale, then run
// the signal tracker, which also serves the app (HOST, PORT, ICE_SERVERS,
// ADMIN_TOKEN, MAX_CONN_PER_IP … are read by signal-tracker/main.ts).
import { spawn } from 'node:child_process'
import path from 'node:path'
import { readFileSync } from 'node:fs'
import { ensureClientBuilt, root } from './build-if-stale.mjs'

/**
 * V8 flags for the tracker (signal-tracker/node-flags.json). A 1 MiB young generation: the
 * tracker's garbage is short-lived frames, and V8's default lets the young generation grow to
 * tens of MiB under load, a third of the tracker's memory with 10,000 peers connected
 * (BENCHMARKS.md, "Tracker load"). Scavenges of a small young generation are cheap.
 */
function trackerNodeFlags() {
  const file = path.join(root, 'signal-tracker', 'node-flags.json')
  let flags
  try {
    flags = JSON.parse(readFileSync(file, 'utf8'))
  } catch (err) {
    console.error(`[start] cannot read ${file}: ${err.message}`)
    process.exit(1)
  }
  if (!Array.isArray(flags) || !flags.every((f) => typeof f === 'string' && f.startsWith('--'))) {
    console.error(`[start] ${file} must be a JSON array of --flag strings`)
    process.exit(1)
  }
  return flags
}

try {
  await ensureClientBuilt()
} catch (err) {
  console.error(`[start] ${err.message}`)
  process.exit(1)
}

const child = spawn(process.execPath, [...trackerNodeFlags(), '--import', 'tsx', path.join('signal-tracker', 'main.ts')], {
  cwd: root,
  stdio: 'inherit',
  env: process.env,
  // Own process group: a Ctrl-C reaches the tracker once, through us, rather
  // than once from the terminal and again from npm and from us.
  detached: true,
})

// Pass termination signals on to the tracker so it can close its sockets; the
// tracker decides when to exit and we exit with it. The same signal arriving
// several times at once (terminal + npm) is passed on once; a second Ctrl-C
// later is passed on again.
const lastSent = new Map()
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const now = Date.now()
    if (now - (lastSent.get(sig) ?? 0) < 500) return
    lastSent.set(sig, now)
    child.kill(sig)
  })
}
process.on('exit', () => {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
})

child.on('error', (err) => {
  console.error(`[start] could not run the tracker: ${err.message}`)
  process.exit(1)
})
child.on('exit', (code, signal) => {
  if (signal) {
    // Re-raise the same signal so our own exit status reflects it.
    process.removeAllListeners(signal)
    process.kill(process.pid, signal)
  } else {
    process.exit(code ?? 1)
  }
})
