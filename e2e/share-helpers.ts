// Page helpers for the sharing flows of issue 10 (app link, QR code, .torrent files, folders,
// file choice), through the hooks of DESIGN.md ("Added with the issues of 2026-11-29").
import { readFile } from 'node:fs/promises'
import jsQR from 'jsqr'
import { expect, type Locator, type Page } from '@playwright/test'
import { byTestId, torrents, torrentOf } from './app-helpers'

/** The value of a form field, else its href, else its text: how DESIGN.md lets share-url be read. */
export async function readLinkish(el: Locator): Promise<string> {
  return (
    await el.evaluate((node) => {
      if (node instanceof HTMLInputElement || node instanceof HTMLTextAreaElement) return node.value
      if (node instanceof HTMLAnchorElement) return node.href
      return node.textContent ?? ''
    })
  ).trim()
}

/** A torrent's app link (share-url). */
export function readAppLink(torrent: Locator): Promise<string> {
  return readLinkish(torrent.locator(byTestId('share-url')))
}

/** What the clipboard holds (the context needs clipboard-read permission). */
export function readClipboard(page: Page): Promise<string> {
  return page.evaluate(() => navigator.clipboard.readText())
}

/**
 * Decodes the QR code shown by `el` from a screenshot of it, as a phone camera would read the
 * screen. The PNG is turned into RGBA pixels by the browser's own image decoder (a canvas), and
 * jsQR reads them here.
 */
export async function decodeQrScreenshot(page: Page, el: Locator): Promise<string | null> {
  const png = await el.screenshot()
  const pixels = await page.evaluate(async (b64) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))
    const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/png' }))
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height)
    const ctx = canvas.getContext('2d')!
    ctx.drawImage(bitmap, 0, 0)
    const data = ctx.getImageData(0, 0, bitmap.width, bitmap.height).data
    let bin = ''
    for (let i = 0; i < data.length; i += 0x8000) bin += String.fromCharCode(...data.subarray(i, i + 0x8000))
    return { width: bitmap.width, height: bitmap.height, rgba: btoa(bin) }
  }, png.toString('base64'))
  const rgba = new Uint8ClampedArray(Buffer.from(pixels.rgba, 'base64'))
  return jsQR(rgba, pixels.width, pixels.height)?.data ?? null
}

/** Click a torrent's torrent-file button; returns the suggested file name and the bytes. */
export async function exportTorrentFile(page: Page, infohash: string): Promise<{ name: string; bytes: Buffer }> {
  const button = torrentOf(page, infohash).locator(byTestId('torrent-file'))
  const [download] = await Promise.all([page.waitForEvent('download'), button.click()])
  const failure = await download.failure()
  if (failure) throw new Error(`downloading the .torrent failed: ${failure}`)
  return { name: download.suggestedFilename(), bytes: await readFile(await download.path()) }
}

export interface DropFile {
  name: string
  bytes: Uint8Array
  type?: string
}

/**
 * Drop files on `target` as a user dragging them from the desktop would: a DataTransfer with the
 * files, through dragenter, dragover and drop.
 */
export async function dropFiles(page: Page, target: Locator, files: DropFile[]): Promise<void> {
  const payload = files.map((f) => ({ name: f.name, type: f.type ?? '', b64: Buffer.from(f.bytes).toString('base64') }))
  const dt = await page.evaluateHandle((list) => {
    const transfer = new DataTransfer()
    for (const f of list) {
      const bytes = Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0))
      transfer.items.add(new File([bytes], f.name, { type: f.type }))
    }
    return transfer
  }, payload)
  for (const type of ['dragenter', 'dragover', 'drop']) await target.dispatchEvent(type, { dataTransfer: dt })
  await dt.dispose()
}

/** The info hashes of the page's torrents now. */
export function knownInfohashes(page: Page): Promise<string[]> {
  return torrents(page).evaluateAll((els) => els.map((el) => el.getAttribute('data-infohash') ?? '').filter(Boolean))
}

/** Waits for a torrent not in `before` to appear (any state); returns its info hash. */
export async function waitForNewTorrent(page: Page, before: readonly string[], timeout = 60_000): Promise<string> {
  let found = ''
  await expect
    .poll(
      async () => {
        found = (await knownInfohashes(page)).find((ih) => !before.includes(ih)) ?? ''
        return found
      },
      { timeout, message: 'a new torrent on the page' },
    )
    .not.toBe('')
  return found
}

/** The page's notice line (what an open or share did differently than asked). */
export function appNotice(page: Page): Locator {
  return page.locator(byTestId('app-notice'))
}

/** The file-select checkbox of `filePath` in torrent `infohash`. */
export function fileSelect(page: Page, infohash: string, filePath: string): Locator {
  return torrentOf(page, infohash).locator(`${byTestId('file-select')}[data-file=${JSON.stringify(filePath)}]`)
}

/** The save button of `filePath` in torrent `infohash`. */
export function saveButton(page: Page, infohash: string, filePath: string): Locator {
  return torrentOf(page, infohash).locator(`${byTestId('save')}[data-file=${JSON.stringify(filePath)}]`)
}

/** A number attribute of a torrent row (data-downloaded, data-progress, ...). */
export async function numberAttr(row: Locator, name: string): Promise<number> {
  return Number(await row.getAttribute(name))
}
