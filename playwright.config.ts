import { defineConfig } from '@playwright/test'
import { chromiumLaunchOptions } from './e2e/chromium'

// Run through the loopback-only namespace: `npm run test:e2e` (all specs),
// `npm run test:e2e -- e2e/share.spec.ts` (one spec), `… -- -g "magnet"` (by title).
export default defineConfig({
  testDir: './e2e',
  testMatch: '**/*.spec.ts',
  outputDir: 'test-results/e2e',
  globalSetup: './e2e/global-setup.ts',
  // 2 cores, and every test runs several browser contexts at once.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  forbidOnly: !!process.env.CI,
  timeout: 180_000,
  expect: { timeout: 20_000 },
  // A ceiling, not the expected time (about 15 minutes on a quiet machine): a hung browser must not hold CI.
  globalTimeout: 40 * 60_000,
  reporter: [
    ['list'],
    // Read by scripts/test.mjs for the summary line.
    ['json', { outputFile: 'test-results/e2e.json' }],
  ],
  use: {
    browserName: 'chromium',
    headless: true,
    launchOptions: chromiumLaunchOptions(),
    acceptDownloads: true,
    actionTimeout: 30_000,
    navigationTimeout: 30_000,
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
  },
})
