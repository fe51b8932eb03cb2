// Typed wrapper around the `bencode` package (BEP 3 encoding).
//
// The package is fast but trusts its input: a truncated string decodes short, a negative string
// length can loop forever, deep nesting overflows the stack and `+1`, `01`, `1.5` all pass as
// integers. Bytes from peers reach us through ut_metadata and the BEP 10 handshake, so every
// decode first runs a strict structural scan (below) and only then lets the package build the
// values. The scan also tells where a value ends, which ut_metadata data messages need (a dict
// followed by raw metadata bytes).
import bencode from 'bencode'

export class BencodeError extends Error {
  override name = 'BencodeError'
}

/** What bencodeEncode accepts: dict values that are undefined are left out (optional fields). */
export type BencodeValue =
  | number
  | string
  | Uint8Array
  | readonly BencodeValue[]
  | { readonly [key: string]: BencodeValue | undefined }

/** Decoded dicts have string keys; byte strings decode to Uint8Array, integers to number. */
export type BencodeDict = Record<string, unknown>

/** Nesting deeper than this is refused; real torrents and extension messages use 4 levels. */
export const MAX_DEPTH = 64

const I = 0x69 // 'i'
const L = 0x6c // 'l'
const D = 0x64 // 'd'
const E = 0x65 // 'e'
const COLON = 0x3a
const MINUS = 0x2d
const ZERO = 0x30
const NINE = 0x39

function fail(message: string, at: number): never {
  throw new BencodeError(`${message} at offset ${at}`)
}

/** Parses ASCII digits b[from..to) as a non-negative integer without leading zeros. */
function digitsValue(b: Uint8Array, from: number, to: number, what: string): number {
  if (from === to) fail(`${what} has no digits`, from)
  if (b[from] === ZERO && to - from > 1) fail(`${what} has a leading zero`, from)
  if (to - from > 16) fail(`${what} is too large`, from)
  let v = 0
  for (let i = from; i < to; i++) {
    const c = b[i]!
    if (c < ZERO || c > NINE) fail(`${what} has a non-digit byte 0x${c.toString(16)}`, i)
    v = v * 10 + (c - ZERO)
  }
  if (!Number.isSafeInteger(v)) fail(`${what} is too large`, from)
  return v
}

/** Returns the offset just past the byte string starting at `pos`. */
function scanString(b: Uint8Array, pos: number): number {
  let colon = pos
  while (colon < b.length && b[colon] !== COLON && colon - pos <= 16) colon++
  if (b[colon] !== COLON) fail('byte string length is not terminated by ":"', pos)
  const len = digitsValue(b, pos, colon, 'byte string length')
  const end = colon + 1 + len
  if (end > b.length) fail(`byte string of ${len} bytes is truncated`, pos)
  return end
}

function scanInteger(b: Uint8Array, pos: number): number {
  let end = pos + 1
  while (end < b.length && b[end] !== E && end - pos <= 18) end++
  if (b[end] !== E) fail('integer is not terminated by "e"', pos)
  const negative = b[pos + 1] === MINUS
  const v = digitsValue(b, negative ? pos + 2 : pos + 1, end, 'integer')
  if (negative && v === 0) fail('integer is negative zero', pos)
  return end + 1
}

/** Validates one value starting at `pos` and returns the offset just past it. */
function scanValue(b: Uint8Array, pos: number, depth: number): number {
  if (pos >= b.length) fail('data ends before the value is complete', pos)
  const c = b[pos]!
  if (c === I) return scanInteger(b, pos)
  if (c >= ZERO && c <= NINE) return scanString(b, pos)
  if (c !== L && c !== D) fail(`unexpected byte 0x${c.toString(16)}`, pos)
  if (depth >= MAX_DEPTH) fail('nesting is too deep', pos)
  // Keys are not required to be sorted (libtorrent accepts unsorted ones too and the info hash
  // covers the raw bytes anyway), but a repeated key would make two clients read different
  // values, so it is refused.
  const keys = c === D ? new Set<string>() : null
  let at = pos + 1
  while (true) {
    if (at >= b.length) fail(c === D ? 'dictionary is not terminated' : 'list is not terminated', pos)
    if (b[at] === E) return at + 1
    if (keys) {
      const k = b[at]!
      if (k < ZERO || k > NINE) fail('dictionary key is not a byte string', at)
      const keyEnd = scanString(b, at)
      const keyStart = b.indexOf(COLON, at) + 1
      const key = String.fromCharCode(...b.subarray(keyStart, Math.min(keyEnd, keyStart + 256)))
      // The package assigns keys onto a plain object, where "__proto__" would set the prototype.
      if (key === '__proto__') fail('dictionary key "__proto__" is not allowed', at)
      if (keys.has(key)) fail(`duplicate dictionary key "${key}"`, at)
      keys.add(key)
      at = keyEnd
    }
    at = scanValue(b, at, depth + 1)
  }
}

/** Decodes the value at `start` and reports where it ended (`end` is an absolute offset). */
export function bencodeDecodePrefix(bytes: Uint8Array, start = 0): { value: unknown; end: number } {
  if (!(bytes instanceof Uint8Array)) throw new BencodeError('bencoded input must be a Uint8Array')
  const end = scanValue(bytes, start, 0)
  let value: unknown
  try {
    value = bencode.decode(bytes.subarray(start, end))
  } catch (err) {
    throw new BencodeError(`bencode decoder failed: ${err instanceof Error ? err.message : String(err)}`)
  }
  // The scan and the package must agree on the extent; if not, one of them misread the input.
  if (bencode.decode.position !== end - start) throw new BencodeError('bencode decoder disagrees on value length')
  return { value, end }
}

/** Decodes exactly one bencoded value; trailing bytes are an error. */
export function bencodeDecode(bytes: Uint8Array): unknown {
  const { value, end } = bencodeDecodePrefix(bytes, 0)
  if (end !== bytes.length) fail(`${bytes.length - end} unexpected trailing bytes`, end)
  return value
}

// The package silently skips null list items and turns floats and booleans into corrupt
// integers; check the value first so a bug on our side fails loudly instead of producing a
// different info hash.
function checkEncodable(v: unknown, path: string, depth: number): void {
  if (depth > MAX_DEPTH) throw new BencodeError(`${path}: nesting is too deep`)
  if (typeof v === 'string' || v instanceof Uint8Array) return
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new BencodeError(`${path}: ${v} is not a safe integer`)
    return
  }
  if (Array.isArray(v)) {
    v.forEach((item, i) => {
      if (item === undefined || item === null) throw new BencodeError(`${path}[${i}]: list items cannot be empty`)
      checkEncodable(item, `${path}[${i}]`, depth + 1)
    })
    return
  }
  if (isDict(v)) {
    for (const [k, item] of Object.entries(v)) {
      if (item === null) throw new BencodeError(`${path}.${k}: null is not encodable`)
      if (item !== undefined) checkEncodable(item, `${path}.${k}`, depth + 1)
    }
    return
  }
  throw new BencodeError(`${path}: ${v === null ? 'null' : typeof v} is not encodable`)
}

/** Encodes with dict keys sorted (BEP 3); strings are written as UTF-8 byte strings. */
export function bencodeEncode(value: BencodeValue): Uint8Array {
  checkEncodable(value, 'value', 0)
  return bencode.encode(value)
}

export function isDict(v: unknown): v is BencodeDict {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array)
}

/** Own-property lookup, so keys like "constructor" never resolve to Object.prototype. */
export function dictGet(d: BencodeDict, key: string): unknown {
  return Object.hasOwn(d, key) ? d[key] : undefined
}
