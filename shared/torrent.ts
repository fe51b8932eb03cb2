// BitTorrent v1 info dictionary (BEP 3): building one for files a user drops, and validating one
// fetched from a peer with ut_metadata before anything trusts its numbers or paths.
//
// Compatibility with create-torrent 6 (WebTorrent's torrent maker, checked against its source
// and in test/torrent.test.ts): its info dict holds exactly `name`, `piece length`, `pieces` and
// `length` (single file) or `files` (a list of {length, path} in input order, never sorted);
// `private` only when asked, no `name.utf-8`/`path.utf-8`, no md5sum. The bencode package sorts
// keys and writes strings as UTF-8, so the same name, files (same order) and piece length give
// byte-identical info dicts and hence the same info hash.
import { bencodeDecode, bencodeEncode, BencodeError, dictGet, isDict, type BencodeDict } from './bencode'
import { bytesToUtf8, sha1Hex } from './binary'
import { MIN_PIECE_LENGTH, pieceCountFor } from './pieces'
import { MAX_METADATA_SIZE } from './wire-extension'

export class TorrentError extends Error {
  override name = 'TorrentError'
}

export interface TorrentFile {
  /** Path inside the torrent joined with '/'; for a single-file torrent, the name. */
  path: string
  length: number
  /** Byte offset of the file in the torrent's concatenated data. */
  offset: number
}

export interface TorrentInfo {
  /** SHA-1 of infoBytes, 40 lowercase hex. */
  infoHash: string
  name: string
  pieceLength: number
  pieceCount: number
  /** Total bytes of all files. */
  length: number
  files: TorrentFile[]
  /** 20 bytes of SHA-1 per piece. */
  pieceHashes: Uint8Array
  /** The bencoded info dict exactly as hashed and as served over ut_metadata. */
  infoBytes: Uint8Array
}

/** We make pieces of at most 16 MiB, but accept what other clients make for huge torrents. */
export const MAX_PARSE_PIECE_LENGTH = 64 * 1024 * 1024
export const MAX_FILES = 100_000
const MAX_PATH_DEPTH = 64
const MAX_SEGMENT_LENGTH = 1024

function fail(message: string): never {
  throw new TorrentError(message)
}

/**
 * A path segment we are willing to create on a user's disk or as a storage key: no traversal,
 * no separators, no NUL. Backslash is refused too because Windows treats it as a separator.
 */
function checkSegment(seg: string, what: string): void {
  if (seg === '' || seg === '.' || seg === '..') fail(`${what} has an empty, "." or ".." path segment`)
  if (/[/\\\0]/.test(seg)) fail(`${what} has a path segment containing "/", "\\" or NUL`)
  if (seg.length > MAX_SEGMENT_LENGTH) fail(`${what} has a path segment longer than ${MAX_SEGMENT_LENGTH} characters`)
}

function intField(d: BencodeDict, key: string, what: string): number {
  const v = dictGet(d, key)
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) fail(`${what} must be a non-negative integer`)
  return v
}

/** Text of a byte-string field, preferring the `<key>.utf-8` variant some old clients add. */
function textField(d: BencodeDict, key: string): Uint8Array | undefined {
  const utf8 = dictGet(d, `${key}.utf-8`)
  if (utf8 instanceof Uint8Array) return utf8
  const v = dictGet(d, key)
  return v instanceof Uint8Array ? v : undefined
}

function parsePath(entry: BencodeDict, i: number): string {
  const raw = dictGet(entry, 'path.utf-8') ?? dictGet(entry, 'path')
  if (!Array.isArray(raw) || raw.length === 0) fail(`file ${i} has no path list`)
  if (raw.length > MAX_PATH_DEPTH) fail(`file ${i} path is nested deeper than ${MAX_PATH_DEPTH}`)
  const segments = raw.map((seg: unknown) => {
    if (!(seg instanceof Uint8Array)) fail(`file ${i} path has a segment that is not a byte string`)
    const text = bytesToUtf8(seg)
    checkSegment(text, `file ${i}`)
    return text
  })
  return segments.join('/')
}

/** Two files at one path, or a file that is also another file's directory, cannot be saved. */
function checkPathConflicts(files: readonly TorrentFile[]): void {
  const paths = new Set(files.map((f) => f.path))
  if (paths.size !== files.length) fail('two files have the same path')
  for (const f of files) {
    for (let at = f.path.indexOf('/'); at !== -1; at = f.path.indexOf('/', at + 1)) {
      if (paths.has(f.path.slice(0, at))) fail(`"${f.path.slice(0, at)}" is both a file and a directory`)
    }
  }
}

/**
 * Parses and validates a bencoded info dict. With `expectedInfoHash` (from a magnet link) the
 * bytes must hash to it, which is what makes metadata from an untrusted peer trustworthy.
 */
export async function parseInfo(infoBytes: Uint8Array, expectedInfoHash?: string): Promise<TorrentInfo> {
  if (!(infoBytes instanceof Uint8Array)) fail('info dictionary must be bytes')
  if (infoBytes.length > MAX_METADATA_SIZE) fail(`info dictionary of ${infoBytes.length} bytes exceeds ${MAX_METADATA_SIZE}`)
  if (expectedInfoHash !== undefined && !/^[0-9a-fA-F]{40}$/.test(expectedInfoHash)) fail('expected info hash must be 40 hex characters')
  const infoHash = await sha1Hex(infoBytes)
  if (expectedInfoHash !== undefined && infoHash !== expectedInfoHash.toLowerCase()) fail('metadata does not match info hash')

  let info: unknown
  try {
    info = bencodeDecode(infoBytes)
  } catch (err) {
    if (err instanceof BencodeError) fail(`info dictionary is not valid bencode: ${err.message}`)
    throw err
  }
  if (!isDict(info)) fail('info is not a dictionary')

  const nameBytes = textField(info, 'name')
  if (!nameBytes) fail('info has no name')
  const name = bytesToUtf8(nameBytes)
  checkSegment(name, 'name')

  const pieceLength = intField(info, 'piece length', 'piece length')
  if (pieceLength < MIN_PIECE_LENGTH || pieceLength > MAX_PARSE_PIECE_LENGTH || (pieceLength & (pieceLength - 1)) !== 0) {
    fail(`piece length ${pieceLength} is not a power of two between ${MIN_PIECE_LENGTH} and ${MAX_PARSE_PIECE_LENGTH}`)
  }

  const files: TorrentFile[] = []
  let length = 0
  const list = dictGet(info, 'files')
  if (list !== undefined) {
    if (dictGet(info, 'length') !== undefined) fail('info has both "length" and "files"')
    if (!Array.isArray(list) || list.length === 0) fail('info "files" is not a non-empty list')
    if (list.length > MAX_FILES) fail(`torrent has more than ${MAX_FILES} files`)
    list.forEach((entry: unknown, i) => {
      if (!isDict(entry)) fail(`file ${i} is not a dictionary`)
      const fileLength = intField(entry, 'length', `file ${i} length`)
      files.push({ path: parsePath(entry, i), length: fileLength, offset: length })
      length += fileLength
      if (!Number.isSafeInteger(length)) fail('total length is too large')
    })
    checkPathConflicts(files)
  } else {
    length = intField(info, 'length', 'length')
    files.push({ path: name, length, offset: 0 })
  }
  if (length === 0) fail('torrent is empty (total length 0)')

  const pieces = dictGet(info, 'pieces')
  if (!(pieces instanceof Uint8Array)) fail('info has no pieces byte string')
  const pieceCount = pieceCountFor(length, pieceLength)
  if (pieces.length !== 20 * pieceCount) {
    fail(`pieces has ${pieces.length} bytes, expected ${20 * pieceCount} for ${pieceCount} pieces of ${pieceLength} bytes`)
  }

  return { infoHash, name, pieceLength, pieceCount, length, files, pieceHashes: pieces, infoBytes: infoBytes.slice() }
}

/**
 * Builds the info dict for files about to be seeded. `files` keep their order; paths are
 * relative to the torrent root and use '/'. One file whose path equals the name makes a
 * single-file torrent, as create-torrent does for a single dropped file.
 */
export async function buildInfo(p: {
  name: string
  files: { path: string; length: number }[]
  pieceLength: number
  pieceHashes: Uint8Array
}): Promise<TorrentInfo> {
  if (typeof p.name !== 'string') fail('name must be a string')
  if (!Array.isArray(p.files) || p.files.length === 0) fail('a torrent needs at least one file')
  if (!(p.pieceHashes instanceof Uint8Array)) fail('piece hashes must be bytes')
  for (const f of p.files) {
    if (typeof f.path !== 'string') fail('file path must be a string')
    if (!Number.isSafeInteger(f.length) || f.length < 0) fail(`file "${f.path}" has a bad length ${f.length}`)
  }
  if (!Number.isSafeInteger(p.pieceLength)) fail(`bad piece length ${p.pieceLength}`)
  const first = p.files[0]!
  const single = p.files.length === 1 && first.path === p.name
  const info = single
    ? { name: p.name, 'piece length': p.pieceLength, pieces: p.pieceHashes, length: first.length }
    : {
        name: p.name,
        'piece length': p.pieceLength,
        pieces: p.pieceHashes,
        files: p.files.map((f) => ({ length: f.length, path: f.path.split('/') })),
      }
  // parseInfo applies every rule a downloader will apply, so we never publish a torrent that
  // our own peers would refuse.
  return parseInfo(bencodeEncode(info))
}

/** The 20-byte SHA-1 of piece `index` (a view into info.pieceHashes). */
export function pieceHash(info: TorrentInfo, index: number): Uint8Array {
  if (!Number.isInteger(index) || index < 0 || index >= info.pieceCount) {
    throw new RangeError(`piece ${index} out of range (0..${info.pieceCount - 1})`)
  }
  return info.pieceHashes.subarray(20 * index, 20 * index + 20)
}
