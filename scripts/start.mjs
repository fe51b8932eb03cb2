// `npm start`: build the client if dist/client is missing or stale, then run
// the signal tracker, which also serves the app (HOST, PORT, ICE_SERVERS,
// ADMIN_TOKEN, MAX_CONN_PER_IP … are read by signal-tracker/main.ts).
import { spawn } from 'node:child_process'
import path from 'node:path'
import { ensureClientBuilt, root } from './build-if-stale.mjs'
import { trackerNodeFlags } from './node-flags.mjs'

/** V8 flags for the tracker, in-memory or cluster (scripts/node-flags.mjs says why). */
function trackerFlags() {
  try {
    return trackerNodeFlags(path.join(root, 'signal-tracker', 'node-flags.json'), process.env.REDIS_URL ? 'cluster' : 'memory')
  } catch (err) {
    console.error(`[start] ${err.message}`)
    process.exit(1)
  }
}

try {
  await ensureClientBuilt()
} catch (err) {
  console.error(`[start] ${err.message}`)
  process.exit(1)
}

const child = spawn(process.execPath, [...trackerFlags(), '--import', 'tsx', path.join('signal-tracker', 'main.ts')], {
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
