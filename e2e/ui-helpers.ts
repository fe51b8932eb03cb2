// Helpers for the page-UI tests (ui.spec.ts, a11y.spec.ts): the settings disclosure, layout
// checks at phone width, theme colours, screenshots kept as artifacts, axe-core findings.
import { writeFile } from 'node:fs/promises'
import AxeBuilder from '@axe-core/playwright'
import { expect, type Page, type TestInfo } from '@playwright/test'
import { byTestId, closedPort, randomInfohash } from './app-helpers'

/** Opens the settings panel (a <details>) when it is closed, as a user taps "Settings". */
export async function openSettings(page: Page): Promise<void> {
  const closed = page.locator(`${byTestId('settings')}:not([open]) > summary`)
  if ((await closed.count()) > 0) await closed.click()
}

/** Type a limit (KiB/s) into the settings panel as a user would, opening it first. */
export async function setLimit(page: Page, testId: 'upload-limit' | 'download-limit', kib: number): Promise<void> {
  await openSettings(page)
  const input = page.locator(byTestId(testId))
  await input.fill(String(kib))
  await input.dispatchEvent('change')
  await expect(input).toHaveValue(String(kib))
}

/** How far the page scrolls sideways, and the widest elements that stick out (for the message). */
export async function horizontalOverflow(page: Page): Promise<{ overflow: number; culprits: string[] }> {
  return page.evaluate(() => {
    const root = document.documentElement
    const width = root.clientWidth
    const culprits: string[] = []
    for (const el of document.querySelectorAll('body *')) {
      const r = el.getBoundingClientRect()
      if (r.width > 0 && r.right > width + 0.5) {
        culprits.push(`${el.tagName.toLowerCase()}${el.getAttribute('data-testid') ? `[${el.getAttribute('data-testid')}]` : ''}.${el.className} right=${Math.round(r.right)}`)
      }
    }
    return { overflow: root.scrollWidth - width, culprits: culprits.slice(0, 8) }
  })
}

/** Visible controls smaller than `min` CSS px in height (checkboxes excepted: their label is the target). */
export async function smallTargets(page: Page, min: number): Promise<string[]> {
  return page.evaluate((min) => {
    const out: string[] = []
    for (const el of document.querySelectorAll('button, input:not([type=checkbox]):not([type=radio]):not([type=file]), select, summary, [data-testid="drop-zone"]')) {
      const r = el.getBoundingClientRect()
      if (r.width === 0 || r.height === 0) continue // hidden (closed panel, visually-hidden input)
      if (r.height < min) out.push(`${el.tagName.toLowerCase()}[${el.getAttribute('data-testid') ?? el.textContent?.trim().slice(0, 20)}] ${Math.round(r.height)}px`)
    }
    return out
  }, min)
}

/** Relative luminance (0 dark .. 1 light) of an element's computed background or text colour. */
export async function luminance(page: Page, selector: string, prop: 'backgroundColor' | 'color'): Promise<number> {
  return page.locator(selector).first().evaluate((el, prop) => {
    const m = /rgba?\(([\d.]+), ([\d.]+), ([\d.]+)/.exec(getComputedStyle(el)[prop])
    if (!m) throw new Error(`unreadable colour ${getComputedStyle(el)[prop]}`)
    const lin = (c: number) => ((c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4)
    return 0.2126 * lin(Number(m[1])) + 0.7152 * lin(Number(m[2])) + 0.0722 * lin(Number(m[3]))
  }, prop)
}

/** A full-page screenshot kept with the test's results (attachment + file in its output folder). */
export async function keepScreenshot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const body = await page.screenshot({ fullPage: true })
  const file = testInfo.outputPath(`${name}.png`)
  await writeFile(file, body)
  await testInfo.attach(name, { path: file, contentType: 'image/png' })
}

/** axe-core findings of impact serious or critical, one line each. */
export async function seriousAxeFindings(page: Page): Promise<string[]> {
  // The WCAG A/AA rule sets (what "accessible" is measured against), without axe's best-practice extras.
  const { violations } = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze()
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`)
}

/** A magnet whose tracker is down: the torrent waits for metadata and shows a tracker error. */
export async function unreachableMagnet(name: string): Promise<{ infohash: string; magnet: string }> {
  const infohash = randomInfohash()
  const tracker = `ws://127.0.0.1:${await closedPort()}/announce`
  return { infohash, magnet: `magnet:?xt=urn:btih:${infohash}&dn=${encodeURIComponent(name)}&tr=${encodeURIComponent(tracker)}` }
}

/** PNG width and height from its IHDR chunk; throws if the bytes are not a PNG. */
export function pngSize(bytes: Buffer): { width: number; height: number } {
  const sig = '89504e470d0a1a0a'
  if (bytes.subarray(0, 8).toString('hex') !== sig || bytes.subarray(12, 16).toString('ascii') !== 'IHDR') {
    throw new Error('not a PNG')
  }
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) }
}
