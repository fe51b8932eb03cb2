// How the e2e tests launch Chromium; shared by playwright.config.ts and the
// persistent-context helper in fixtures.ts so both get identical options.
import { existsSync } from 'node:fs'
import type { LaunchOptions } from '@playwright/test'

/** Flags from DESIGN.md "Testing safely on these machines". */
export const CHROMIUM_ARGS = [
  // Without these two, Chromium in a loopback-only namespace gathers no ICE candidate.
  '--allow-loopback-in-peer-connection',
  '--use-fake-ui-for-media-stream',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
  '--disable-gpu',
  '--no-sandbox',
]

const DEBIAN_CHROMIUM = '/usr/bin/chromium'

/**
 * CHROMIUM_PATH if set, else Debian's /usr/bin/chromium, else undefined, which
 * makes Playwright use its own Chromium (a developer's machine after
 * `npx playwright install chromium`). CI never falls back to a downloaded browser.
 */
export function chromiumExecutable(): string | undefined {
  const fromEnv = process.env.CHROMIUM_PATH
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`CHROMIUM_PATH=${fromEnv} does not exist`)
    return fromEnv
  }
  if (existsSync(DEBIAN_CHROMIUM)) return DEBIAN_CHROMIUM
  if (process.env.CI === 'true' || process.env.CI === '1') {
    throw new Error(`${DEBIAN_CHROMIUM} is missing (apt-get install chromium); CI does not use a downloaded browser`)
  }
  return undefined
}

export function chromiumLaunchOptions(): LaunchOptions {
  const executablePath = chromiumExecutable()
  return {
    headless: true,
    args: CHROMIUM_ARGS,
    ...(executablePath ? { executablePath } : {}),
  }
}
