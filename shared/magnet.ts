// Magnet links (BEP 9): `magnet:?xt=urn:btih:<hash>&dn=<name>&xl=<bytes>&tr=<tracker>`.
// parseMagnet reads what users paste, so it is forgiving about form (whitespace, case, the whole
// page URL with the link in its fragment) and its errors are worded for them.
import { bytesToHex } from './binary'

export class MagnetError extends Error {
  override name = 'MagnetError'
}

export interface Magnet {
  /** 40 lowercase hex */
  infoHash: string
  name?: string
  /** Total size in bytes (`xl`). */
  length?: number
  /** Tracker URLs in link order, without duplicates. The client only uses ws: and wss: ones. */
  trackers: string[]
}

const HEX_HASH = /^[0-9a-fA-F]{40}$/
const BASE32_HASH = /^[A-Za-z2-7]{32}$/

/** RFC 4648 base32 (no padding) of a 20-byte hash, as older clients put in `xt`. */
function base32ToHex(s: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
  const out = new Uint8Array(20)
  let bits = 0
  let acc = 0
  let at = 0
  for (const ch of s.toUpperCase()) {
    acc = (acc << 5) | alphabet.indexOf(ch)
    bits += 5
    if (bits >= 8) {
      bits -= 8
      out[at++] = (acc >>> bits) & 0xff
    }
  }
  return bytesToHex(out)
}

function decodeComponent(s: string): string {
  try {
    return decodeURIComponent(s)
  } catch {
    // A stray "%" in a pasted link should not make the whole link unusable.
    return s
  }
}

/** The `magnet:?...` part of what the user pasted or the page was opened with, or null. */
function extractMagnet(input: string): string | null {
  let s = input.trim()
  if (/^magnet:/i.test(s)) return s
  // `#magnet:?...` or `https://host/#magnet:?...`; browsers may percent-encode the fragment.
  const hash = s.indexOf('#')
  if (hash === -1) return null
  s = s.slice(hash + 1).trim()
  if (/^magnet%3a/i.test(s)) s = decodeComponent(s)
  return /^magnet:/i.test(s) ? s : null
}

export function parseMagnet(input: string): Magnet {
  if (typeof input !== 'string' || input.trim() === '') throw new MagnetError('Not a magnet link: the link is empty')
  const bare = input.trim()
  // A bare info hash is what parse-torrent and most clients accept too.
  if (HEX_HASH.test(bare)) return { infoHash: bare.toLowerCase(), trackers: [] }
  if (BASE32_HASH.test(bare)) return { infoHash: base32ToHex(bare), trackers: [] }

  const link = extractMagnet(input)
  if (link === null || !/^magnet:\?/i.test(link)) throw new MagnetError('Not a magnet link (it should start with "magnet:?")')

  let infoHash: string | undefined
  let badHash = false
  let v2Only = false
  let name: string | undefined
  let length: number | undefined
  const trackers: string[] = []
  for (const param of link.slice('magnet:?'.length).split('&')) {
    const eq = param.indexOf('=')
    if (eq <= 0) continue
    // Keys may carry a ".1", ".2" suffix to number repeated parameters (magnet-uri draft).
    const key = param.slice(0, eq).toLowerCase().replace(/\.\d+$/, '')
    const raw = param.slice(eq + 1)
    if (key === 'xt') {
      const xt = decodeComponent(raw).trim()
      const btih = /^urn:btih:(.*)$/i.exec(xt)
      if (btih) {
        const h = btih[1]!
        if (HEX_HASH.test(h)) infoHash ??= h.toLowerCase()
        else if (BASE32_HASH.test(h)) infoHash ??= base32ToHex(h)
        else badHash = true
      } else if (/^urn:btmh:/i.test(xt)) {
        v2Only = true
      }
    } else if (key === 'dn') {
      // Form encoding: "+" is a space in names; "%2B" stays a literal plus.
      name ??= decodeComponent(raw.replace(/\+/g, ' '))
    } else if (key === 'xl') {
      const n = /^\d{1,16}$/.test(raw) ? Number(raw) : NaN
      // xl is only a hint for the UI; a bad one is dropped rather than rejecting the link.
      if (Number.isSafeInteger(n)) length ??= n
    } else if (key === 'tr') {
      const url = decodeComponent(raw).trim()
      if (url !== '' && !trackers.includes(url)) trackers.push(url)
    }
  }

  if (infoHash === undefined) {
    if (badHash) throw new MagnetError('The link\'s info hash is malformed (expected 40 hex or 32 base32 characters after urn:btih:)')
    if (v2Only) throw new MagnetError('The link is for a BitTorrent v2-only torrent (urn:btmh), which is not supported')
    throw new MagnetError('The link has no BitTorrent info hash (xt=urn:btih:…)')
  }
  const out: Magnet = { infoHash, trackers }
  if (name !== undefined && name !== '') out.name = name
  if (length !== undefined) out.length = length
  return out
}

export function formatMagnet(m: Magnet): string {
  if (typeof m.infoHash !== 'string' || !HEX_HASH.test(m.infoHash)) throw new MagnetError('info hash must be 40 hex characters')
  let s = `magnet:?xt=urn:btih:${m.infoHash.toLowerCase()}`
  if (m.name !== undefined && m.name !== '') s += `&dn=${encodeURIComponent(m.name)}`
  if (m.length !== undefined) {
    if (!Number.isSafeInteger(m.length) || m.length < 0) throw new MagnetError(`bad length ${m.length}`)
    s += `&xl=${m.length}`
  }
  for (const tr of m.trackers) s += `&tr=${encodeURIComponent(tr)}`
  return s
}
