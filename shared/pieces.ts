// Piece and block arithmetic (BEP 3). Lengths are plain numbers: a torrent may exceed 4 GiB, so
// byte offsets never go through 32-bit bitwise operators; piece indexes (well below 2^31) may.

/** Requests are for 16 KiB blocks, the size every client serves (BEP 3 convention). */
export const BLOCK_SIZE = 16384
export const MIN_PIECE_LENGTH = 16 * 1024
export const MAX_PIECE_LENGTH = 16 * 1024 * 1024
/**
 * choosePieceLength aims at no more pieces than this. Few large pieces, because in the browser a
 * piece is one IndexedDB record and each record costs about 2 ms of CPU to write and read back
 * whatever its size (measured in Chromium: 256 MiB stored as 1,024 pieces of 256 KiB took 5.7 s
 * of CPU, as 256 of 1 MiB 4.2 s, as 64 of 4 MiB 3.4 s); 256 pieces still leave a swarm plenty
 * to trade.
 */
const TARGET_MAX_PIECES = 256
/** The largest length choosePieceLength picks: a piece is buffered whole while it downloads. */
const CHOSEN_MAX_PIECE_LENGTH = 4 * 1024 * 1024

/** Thrown by Bitfield.fromBytes for a bitfield received from a peer that does not fit. */
export class BitfieldError extends Error {
  override name = 'BitfieldError'
}

function checkLength(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${what} must be a non-negative integer, got ${n}`)
}

/**
 * Torrents with audio or video get smaller pieces: the service worker serves verified pieces
 * only, so a seek into missing bytes waits for one whole piece at the sender's rate (1 MiB from
 * a seed capped at twice a 720p bitrate is 0.43 s; 128 KiB is 0.05 s). The price is IndexedDB
 * CPU (about 2 ms per record, above): 2,048 pieces of a 256 MiB film cost ~4 s over its download.
 */
const STREAM_TARGET_MAX_PIECES = 2048
const STREAM_MIN_PIECE_LENGTH = 64 * 1024
const STREAM_MAX_PIECE_LENGTH = 1024 * 1024

export interface PieceLengthOptions {
  /** The torrent holds audio or video that may be played while it downloads. */
  streaming?: boolean
}

/**
 * The smallest power of two in [16 KiB, 4 MiB] that yields at most 256 pieces, hence 129–256
 * pieces whenever the clamps allow (a 4 GiB file gets 1,024 pieces of 4 MiB). For streaming,
 * the smallest in [64 KiB, 1 MiB] that yields at most 2,048. Any length up to MAX_PIECE_LENGTH
 * is accepted from other clients' torrents.
 */
export function choosePieceLength(totalBytes: number, options: PieceLengthOptions = {}): number {
  checkLength(totalBytes, 'total length')
  const [min, max, target] = options.streaming
    ? [STREAM_MIN_PIECE_LENGTH, STREAM_MAX_PIECE_LENGTH, STREAM_TARGET_MAX_PIECES]
    : [MIN_PIECE_LENGTH, CHOSEN_MAX_PIECE_LENGTH, TARGET_MAX_PIECES]
  let len = min
  while (len < max && totalBytes / len > target) len *= 2
  return len
}

export function pieceCountFor(totalLength: number, pieceLength: number): number {
  checkLength(totalLength, 'total length')
  if (!Number.isSafeInteger(pieceLength) || pieceLength <= 0) throw new RangeError(`bad piece length ${pieceLength}`)
  return Math.ceil(totalLength / pieceLength)
}

/** Length of piece `index`; only the last piece may be shorter. */
export function pieceLengthAt(totalLength: number, pieceLength: number, index: number): number {
  const count = pieceCountFor(totalLength, pieceLength)
  if (!Number.isInteger(index) || index < 0 || index >= count) throw new RangeError(`piece ${index} out of range (0..${count - 1})`)
  return Math.min(pieceLength, totalLength - index * pieceLength)
}

export function blocksInPiece(pieceLen: number): number {
  checkLength(pieceLen, 'piece length')
  return Math.ceil(pieceLen / BLOCK_SIZE)
}

export function blockLengthAt(pieceLen: number, blockIndex: number): number {
  const count = blocksInPiece(pieceLen)
  if (!Number.isInteger(blockIndex) || blockIndex < 0 || blockIndex >= count) {
    throw new RangeError(`block ${blockIndex} out of range (0..${count - 1})`)
  }
  return Math.min(BLOCK_SIZE, pieceLen - blockIndex * BLOCK_SIZE)
}

/**
 * Which pieces we (or a peer) have. Kept in the BEP 3 wire layout — piece 0 is the high bit of
 * byte 0 — so sending a bitfield is a copy, and with a running count so count() and
 * isComplete() stay O(1) for the picker and the UI.
 */
export class Bitfield {
  readonly size: number
  private readonly bits: Uint8Array
  private ones = 0

  /** `bytes`, if given, is taken over (not copied) and must be exactly ceil(size / 8) long. */
  constructor(size: number, bytes?: Uint8Array) {
    checkLength(size, 'bitfield size')
    this.size = size
    const byteLength = Math.ceil(size / 8)
    if (bytes && bytes.length !== byteLength) {
      throw new RangeError(`bitfield of ${size} bits needs ${byteLength} bytes, got ${bytes.length}`)
    }
    this.bits = bytes ?? new Uint8Array(byteLength)
    if (bytes) {
      // Spare bits past `size` must not count as pieces.
      if (size % 8 !== 0 && byteLength > 0) this.bits[byteLength - 1]! &= 0xff << (8 - (size % 8))
      for (let i = 0; i < byteLength; i++) this.ones += popcount8(this.bits[i]!)
    }
  }

  has(i: number): boolean {
    if (!(i >= 0 && i < this.size)) throw new RangeError(`piece ${i} out of bitfield range (size ${this.size})`)
    return (this.bits[i >> 3]! & (0x80 >> (i & 7))) !== 0
  }

  set(i: number, v = true): void {
    if (!(i >= 0 && i < this.size && Number.isInteger(i))) throw new RangeError(`piece ${i} out of bitfield range (size ${this.size})`)
    const mask = 0x80 >> (i & 7)
    const byte = this.bits[i >> 3]!
    const had = (byte & mask) !== 0
    if (had === v) return
    this.bits[i >> 3] = v ? byte | mask : byte & ~mask
    this.ones += v ? 1 : -1
  }

  count(): number {
    return this.ones
  }

  isComplete(): boolean {
    return this.ones === this.size
  }

  /** A copy in wire layout, spare bits zero, safe to hand to a sender. */
  toBytes(): Uint8Array {
    return this.bits.slice()
  }

  /**
   * Parses a peer's bitfield message payload. BEP 3 says the length is exact and spare bits are
   * zero; a peer breaking either is confused about the torrent, so it is refused.
   */
  static fromBytes(bytes: Uint8Array, size: number): Bitfield {
    if (!(bytes instanceof Uint8Array)) throw new BitfieldError('bitfield must be bytes')
    checkLength(size, 'bitfield size')
    const byteLength = Math.ceil(size / 8)
    if (bytes.length !== byteLength) {
      throw new BitfieldError(`bitfield has ${bytes.length} bytes, expected ${byteLength} for ${size} pieces`)
    }
    const spare = size % 8
    if (spare !== 0 && (bytes[byteLength - 1]! & (0xff >> spare)) !== 0) {
      throw new BitfieldError('bitfield has spare bits set past the last piece')
    }
    return new Bitfield(size, bytes.slice())
  }
}

function popcount8(b: number): number {
  b = b - ((b >> 1) & 0x55)
  b = (b & 0x33) + ((b >> 2) & 0x33)
  return (b + (b >> 4)) & 0x0f
}

export interface FileSpan {
  fileIndex: number
  /** Where the span starts inside the file. */
  fileOffset: number
  /** Where the span starts inside the piece. */
  pieceOffset: number
  length: number
}

/**
 * The parts of files that piece `index` (of length `pieceLen`) covers, in order. `files` must be
 * sorted by offset and contiguous, as TorrentInfo.files is. Zero-length files cover nothing.
 */
export function fileSpans(
  files: readonly { offset: number; length: number }[],
  pieceLength: number,
  index: number,
  pieceLen: number,
): FileSpan[] {
  const start = index * pieceLength
  const end = start + pieceLen
  // Binary search for the first file ending after `start`: torrents can hold thousands of files
  // and this runs for every verified piece.
  let lo = 0
  let hi = files.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    const f = files[mid]!
    if (f.offset + f.length <= start) lo = mid + 1
    else hi = mid
  }
  const spans: FileSpan[] = []
  for (let i = lo; i < files.length; i++) {
    const f = files[i]!
    if (f.offset >= end) break
    if (f.length === 0) continue
    const from = Math.max(start, f.offset)
    const to = Math.min(end, f.offset + f.length)
    spans.push({ fileIndex: i, fileOffset: from - f.offset, pieceOffset: from - start, length: to - from })
  }
  return spans
}

/** Pieces a file touches, inclusive. For a zero-length file `last` is `first - 1` (none). */
export function piecesForFile(file: { offset: number; length: number }, pieceLength: number): { first: number; last: number } {
  const first = Math.floor(file.offset / pieceLength)
  if (file.length === 0) return { first, last: first - 1 }
  return { first, last: Math.floor((file.offset + file.length - 1) / pieceLength) }
}
