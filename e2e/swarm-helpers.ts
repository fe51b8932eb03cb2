// Helpers for the swarm scenarios: numbers read off a torrent row, limits, a lying peer.
import { byTestId, expect, torrentOf, type Page } from './fixtures'
import { openSettings } from './ui-helpers'

export async function attr(page: Page, infohash: string, name: string): Promise<number> {
  const v = await torrentOf(page, infohash).getAttribute(name)
  const n = Number(v)
  if (v === null || !Number.isFinite(n)) throw new Error(`torrent ${infohash} has no numeric ${name} (got ${v})`)
  return n
}

/** Set the page's upload limit in KiB/s as a user would (type, then leave the field). */
export async function setUploadLimit(page: Page, kib: number): Promise<void> {
  await openSettings(page) // the limits live in a disclosure, closed on narrow screens
  const input = page.locator(byTestId('upload-limit'))
  await input.fill(String(kib))
  await input.dispatchEvent('change')
  await expect(input).toHaveValue(String(kib))
}

/** Milliseconds until the torrent reports data-state=seeding, polling every 100 ms. */
export async function timeUntilSeeding(page: Page, infohash: string, timeout: number): Promise<number> {
  const start = Date.now()
  await page.waitForFunction(
    (ih) => document.querySelector(`[data-testid="torrent"][data-infohash="${ih}"]`)?.getAttribute('data-state') === 'seeding',
    infohash,
    { timeout, polling: 100 },
  )
  return Date.now() - start
}

/**
 * Installed before the app loads, this turns a tab into a lying peer: it tracks the BEP 3
 * stream it writes on every data channel and flips the first byte of every block it sends.
 * The tab itself is a normal Tabswarm; only the wire bytes lie.
 */
export function lyingPeerScript(): void {
  const original = RTCDataChannel.prototype.send as (this: RTCDataChannel, data: unknown) => void
  interface State { handshake: number; len: number[]; left: number; pos: number; id: number }
  const states = new WeakMap<RTCDataChannel, State>()
  RTCDataChannel.prototype.send = function (this: RTCDataChannel, data: unknown) {
    let bytes: Uint8Array<ArrayBuffer>
    if (data instanceof ArrayBuffer) bytes = new Uint8Array(data.slice(0))
    else if (ArrayBuffer.isView(data)) bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice()
    else return original.call(this, data)
    let st = states.get(this)
    if (!st) states.set(this, (st = { handshake: 68, len: [], left: 0, pos: 0, id: -1 }))
    for (let i = 0; i < bytes.length; i++) {
      if (st.handshake > 0) {
        st.handshake--
        continue
      }
      if (st.left === 0) {
        st.len.push(bytes[i]!)
        if (st.len.length === 4) {
          st.left = ((st.len[0]! << 24) | (st.len[1]! << 16) | (st.len[2]! << 8) | st.len[3]!) >>> 0
          st.len = []
          st.pos = 0
          st.id = -1
        }
        continue
      }
      if (st.pos === 0) st.id = bytes[i]!
      // A piece message: id 7, index (4), begin (4), then the block.
      if (st.id === 7 && st.pos === 9) bytes[i] = bytes[i]! ^ 0xff
      st.pos++
      st.left--
    }
    return original.call(this, bytes)
  }
}
