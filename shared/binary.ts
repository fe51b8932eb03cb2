// Byte helpers shared by the tracker and the tabs. Everything here runs unchanged in browsers
// and in Node 20: Uint8Array instead of Buffer, crypto.subtle instead of node:crypto.

/** Thrown when a hex or binary string handed to a converter is malformed. */
export class BinaryError extends Error {
  override name = 'BinaryError'
}

// One lookup table turns hex encoding into an array index per byte; bytesToHex runs for every
// info hash and peer id we log, compare or send.
const HEX_OF_BYTE: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

function hexNibble(code: number): number {
  if (code >= 48 && code <= 57) return code - 48 // 0-9
  if (code >= 97 && code <= 102) return code - 87 // a-f
  if (code >= 65 && code <= 70) return code - 55 // A-F
  return -1
}

/** Decodes hex (either case) into bytes; throws BinaryError on odd length or a non-hex digit. */
export function hexToBytes(hex: string): Uint8Array {
  if (typeof hex !== 'string') throw new BinaryError('hex input must be a string')
  if (hex.length % 2 !== 0) throw new BinaryError(`hex string has odd length ${hex.length}`)
  const out = new Uint8Array(hex.length / 2)
  for (let i = 0; i < out.length; i++) {
    const hi = hexNibble(hex.charCodeAt(2 * i))
    const lo = hexNibble(hex.charCodeAt(2 * i + 1))
    if (hi < 0 || lo < 0) throw new BinaryError(`invalid hex digit near offset ${2 * i}`)
    out[i] = (hi << 4) | lo
  }
  return out
}

/** Lowercase hex, the form used for info hashes everywhere in Tabswarm. */
export function bytesToHex(b: Uint8Array): string {
  let s = ''
  for (let i = 0; i < b.length; i++) s += HEX_OF_BYTE[b[i]!]
  return s
}

/**
 * The WebTorrent tracker protocol puts 20-byte ids into JSON as strings whose char codes are the
 * bytes (latin1), not as hex. These two convert between that form and our hex.
 *
 * Both build the string from char codes in one String.fromCharCode call, into a scratch array
 * kept per length: `+=` per character made a chain of 20-40 cons strings (and a Uint8Array) per
 * id, and a cluster tracker node converts several ids per announce; in a heap profile of one
 * under load this was 8% of everything it allocated.
 */
export function hexToBinaryString(hex: string): string {
  if (typeof hex !== 'string') throw new BinaryError('hex input must be a string')
  if (hex.length % 2 !== 0) throw new BinaryError(`hex string has odd length ${hex.length}`)
  const codes = scratch(hex.length / 2)
  for (let i = 0; i < codes.length; i++) {
    const hi = hexNibble(hex.charCodeAt(2 * i))
    const lo = hexNibble(hex.charCodeAt(2 * i + 1))
    if (hi < 0 || lo < 0) throw new BinaryError(`invalid hex digit near offset ${2 * i}`)
    codes[i] = (hi << 4) | lo
  }
  return fromCodes(codes)
}

export function binaryStringToHex(s: string): string {
  if (typeof s !== 'string') throw new BinaryError('binary string input must be a string')
  const codes = scratch(s.length * 2)
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i)
    // A code above 255 means the sender UTF-8 decoded or otherwise mangled the id.
    if (code > 255) throw new BinaryError(`binary string has a non-latin1 character at ${i}`)
    codes[2 * i] = HEX_DIGIT_CODES[code >> 4]!
    codes[2 * i + 1] = HEX_DIGIT_CODES[code & 15]!
  }
  return fromCodes(codes)
}

const HEX_DIGIT_CODES = Array.from('0123456789abcdef', (c) => c.charCodeAt(0))
/** Scratch arrays by length, for the short strings (ids, info hashes) converted all the time. */
const SCRATCH: number[][] = []
const MAX_SCRATCH = 64
/** fromCharCode.apply takes its arguments on the stack: longer inputs go in slices. */
const APPLY_CHUNK = 8192

function scratch(n: number): number[] {
  if (n > MAX_SCRATCH) return new Array<number>(n).fill(0)
  return (SCRATCH[n] ??= new Array<number>(n).fill(0))
}

function fromCodes(codes: number[]): string {
  if (codes.length <= APPLY_CHUNK) return String.fromCharCode.apply(null, codes)
  let out = ''
  for (let i = 0; i < codes.length; i += APPLY_CHUNK) out += String.fromCharCode.apply(null, codes.slice(i, i + APPLY_CHUNK))
  return out
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0
  for (const p of parts) total += p.length
  const out = new Uint8Array(total)
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

const utf8Encoder = new TextEncoder()
// Not fatal: torrents made by old clients may carry names in legacy encodings; showing U+FFFD
// beats refusing the torrent, and the raw bytes stay in the info dict we hash and serve.
const utf8Decoder = new TextDecoder('utf-8')

export function utf8ToBytes(s: string): Uint8Array {
  return utf8Encoder.encode(s)
}

export function bytesToUtf8(b: Uint8Array): string {
  return utf8Decoder.decode(b)
}

export const PEER_ID_PREFIX = '-TS0001-'
// The random tail uses printable characters: 6 random bits per byte (96 bits in all) is plenty
// for uniqueness, and an ASCII peer id survives trackers and logs that mishandle latin1 strings.
const PEER_ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/** A 20-byte Azureus-style peer id: `-TS0001-` then 12 random characters. */
export function randomPeerId(): Uint8Array {
  const id = new Uint8Array(20)
  id.set(utf8ToBytes(PEER_ID_PREFIX))
  const rnd = globalThis.crypto.getRandomValues(new Uint8Array(20 - PEER_ID_PREFIX.length))
  for (let i = 0; i < rnd.length; i++) id[PEER_ID_PREFIX.length + i] = PEER_ID_ALPHABET.charCodeAt(rnd[i]! & 63)
  return id
}

/** SHA-1 through crypto.subtle (about 1.5 GB/s per thread here, see DESIGN.md). */
export async function sha1(data: Uint8Array): Promise<Uint8Array> {
  // The cast only narrows the TS 5.7+ buffer generic; a view on a SharedArrayBuffer would be
  // refused by subtle.digest at run time, and we never create one.
  const digest = await globalThis.crypto.subtle.digest('SHA-1', data as Uint8Array<ArrayBuffer>)
  return new Uint8Array(digest)
}

export async function sha1Hex(data: Uint8Array): Promise<string> {
  return bytesToHex(await sha1(data))
}
