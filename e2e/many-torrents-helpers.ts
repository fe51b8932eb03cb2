// Helpers for the heavy-tab spec: count a page's live RTCPeerConnections, open tabs with that
// counter installed, share many files from one tab, and play leechers on the tracker that never
// answer an offer.
import { createHash } from 'node:crypto'
import { WebSocket } from 'ws'
import { expect, type Browser, type Page } from '@playwright/test'
import { binaryStringToHex, hexToBinaryString } from '../shared/binary'
import { Kind, decodeTrackerMessage, encodeClientMessage, randomBinaryId } from '../shared/tracker-protocol'
import { byTestId, torrents } from './app-helpers'
import { countPeerConnections, type PcCount } from './pc-counter'

export { countPeerConnections, type PcCount }


export async function peerConnections(page: Page): Promise<PcCount> {
  return page.evaluate(() => (window as unknown as { __pcCount: () => PcCount }).__pcCount())
}

/** Polls a page's live connection count in the background; stop() gives the largest seen. */
export function watchPeerConnections(page: Page, everyMs = 500): { stop(): Promise<PcCount>; max: PcCount } {
  const max: PcCount = { live: 0, created: 0 }
  let running = true
  const loop = (async () => {
    while (running) {
      try {
        const c = await peerConnections(page)
        max.live = Math.max(max.live, c.live)
        max.created = Math.max(max.created, c.created)
      } catch {
        return // page closed
      }
      await new Promise((r) => setTimeout(r, everyMs))
    }
  })()
  return {
    max,
    async stop() {
      running = false
      await loop
      return max
    },
  }
}

/** A tab (its own context, in-memory storage) with the connection counter, once the app is ready. */
export async function countedTab(browser: Browser, url: string): Promise<Page> {
  const context = await browser.newContext({ acceptDownloads: true })
  await context.grantPermissions(['microphone'])
  await context.addInitScript(countPeerConnections)
  const page = await context.newPage()
  await page.goto(url)
  await expect(page.locator(byTestId('file-input'))).toBeEnabled({ timeout: 30_000 })
  return page
}

/** The bytes of generated file `k` (an LCG stream: the page makes the same bytes, see shareGenerated). */
export function generatedBytes(k: number, size: number): Uint8Array {
  const out = new Uint8Array(size)
  let x = (Math.imul(k + 1, 2654435761) >>> 0) || 1
  for (let i = 0; i < size; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0
    out[i] = x >>> 24
  }
  return out
}

export interface Generated {
  name: string
  size: number
  sha256: string
}

/**
 * Shares `count` generated files, each as a torrent of its own, through the page's file input
 * (its files set and a change event, which is what choosing files does; making the bytes in
 * the page spares 100 round trips of file contents through the test driver). Resolves once all
 * are seeding, with the files and name -> info hash.
 */
export async function shareGenerated(page: Page, count: number, sizeOf: (k: number) => number, timeout: number): Promise<{ files: Generated[]; byName: Map<string, string> }> {
  const files: Generated[] = []
  for (let k = 0; k < count; k++) {
    const size = sizeOf(k)
    const name = `small-${String(k).padStart(3, '0')}.bin`
    files.push({ name, size, sha256: createHash('sha256').update(generatedBytes(k, size)).digest('hex') })
  }
  await page.locator(byTestId('file-input')).evaluate((el, list) => {
    const input = el as HTMLInputElement
    list.forEach(({ k, name, size }, j) => {
      setTimeout(() => {
        const bytes = new Uint8Array(size)
        let x = (Math.imul(k + 1, 2654435761) >>> 0) || 1
        for (let i = 0; i < size; i++) {
          x = (Math.imul(x, 1664525) + 1013904223) >>> 0
          bytes[i] = x >>> 24
        }
        const dt = new DataTransfer()
        dt.items.add(new File([bytes], name))
        input.files = dt.files
        input.dispatchEvent(new Event('change', { bubbles: true }))
      }, j * 20)
    })
  }, files.map((f, k) => ({ k, name: f.name, size: f.size })))
  await expect
    .poll(() => torrents(page).evaluateAll((els) => els.filter((el) => el.getAttribute('data-state') === 'seeding').length), {
      timeout,
      message: `all ${count} torrents seeding`,
    })
    .toBe(count)
  const rows = await torrents(page).evaluateAll((els) => els.map((el) => [el.getAttribute('data-name') ?? '', el.getAttribute('data-infohash') ?? ''] as const))
  return { files, byName: new Map(rows) }
}

/**
 * A peer on the tracker that joins every given swarm as a leecher and never answers: what
 * offers the tab sends reach it and wait until they expire. Records the swarms it got offers in.
 */
export async function silentLeecher(wsUrl: string, infoHashes: string[]): Promise<{ offeredIn: Map<string, number>; close(): void }> {
  const ws = new WebSocket(wsUrl)
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
  })
  const peerId = randomBinaryId()
  const offeredIn = new Map<string, number>()
  ws.on('message', (data) => {
    let msg
    try {
      msg = decodeTrackerMessage(data.toString())
    } catch {
      return
    }
    if (msg.kind === Kind.RelayedOffer) {
      const ih = binaryStringToHex(msg.info_hash)
      offeredIn.set(ih, (offeredIn.get(ih) ?? 0) + 1)
    }
  })
  const announce = (event: 'started' | 'update') => {
    for (const ih of infoHashes) {
      ws.send(encodeClientMessage({ kind: Kind.Announce, action: 'announce', info_hash: hexToBinaryString(ih), peer_id: peerId, event, numwant: 0, offers: [], left: 1, uploaded: 0, downloaded: 0 }))
    }
  }
  announce('started')
  // Stay in the swarms past the tracker's interval.
  const timer = setInterval(() => announce('update'), 8000)
  return {
    offeredIn,
    close() {
      clearInterval(timer)
      ws.close()
    },
  }
}
