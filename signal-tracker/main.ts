// Entry point: `node --import tsx signal-tracker/main.ts`. Reads the environment (see
// config.ts), serves app + tracker on one port, and shuts down cleanly on SIGINT/SIGTERM.

import { ConfigError, optionsFromEnv } from './config'
import { createTracker } from './server'

let opts
try {
  opts = optionsFromEnv(process.env)
} catch (err) {
  if (!(err instanceof ConfigError)) throw err
  console.error(`signal-tracker: ${err.message}`)
  process.exit(1)
}

const tracker = createTracker(opts)
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(sig, () => {
    void tracker.close().then(() => process.exit(0))
  })
}
try {
  await tracker.ready
} catch (err) {
  console.error(`signal-tracker: cannot listen on ${opts.host}:${opts.port}: ${(err as Error).message}`)
  process.exit(1)
}
const { url } = tracker.address()
console.log(`Tabswarm: app ${url}/  dashboard ${url}/dashboard  tracker ${url.replace(/^http/, 'ws')}/announce`)
if (!opts.adminToken) console.log('signal-tracker: ADMIN_TOKEN not set; the admin views are open')
