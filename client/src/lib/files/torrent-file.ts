// .torrent files (BEP 3 metainfo, BEP 12 announce-list) in and out.
//
// Out: the info dict is spliced in byte for byte, never re-encoded: the info hash is the SHA-1
// of those exact bytes, and a foreign info dict (unsorted keys, extra fields) re-encoded by us
// could hash differently. In: bytes from a file the user chose are untrusted; they go through the
// strict bencode scan, the info dict through parseInfo (the rules a downloader applies to
// metadata from peers), and every refusal carries a message meant for the user.
import { bencodeDecode, bencodeDecodePrefix, bencodeEncode, BencodeError, dictGet, isDict } from '@shared/bencode'
import { bytesToUtf8, concatBytes } from '@shared/binary'
import { parseInfo, TorrentError, type TorrentInfo } from '@shared/torrent'
import { MAX_METADATA_SIZE } from '@shared/wire-extension'

export class TorrentFileError extends Error {
  override name = 'TorrentFileError'
}

/** The info dict plus trackers and comments: a .torrent larger than this is not one we can use. */
export const MAX_TORRENT_FILE_SIZE = MAX_METADATA_SIZE + 1024 * 1024

const CREATED_BY = 'Tabswarm'
/** Trackers kept from a file; more are not useful and would only be announced to. */
const MAX_TRACKERS = 32

export interface OpenedTorrent {
  info: TorrentInfo
  /** The file's ws: and wss: trackers, in file order; empty when it names none we can reach. */
  trackers: string[]
  /** How many of its trackers (udp:, http:) a browser cannot announce to. */
  ignored: number
}

const WS_URL = /^wss?:\/\/[^\s]+$/i

/**
 * A .torrent for an info dict: `announce` is the first tracker, `announce-list` one tier per
 * tracker (as create-torrent writes it). Keys are written in sorted order, as BEP 3 asks.
 */
export function encodeTorrentFile(infoBytes: Uint8Array, trackers: readonly string[], createdAt = new Date()): Uint8Array {
  if (trackers.length === 0) throw new TorrentFileError('A .torrent needs at least one tracker')
  const head: Record<string, string | number | string[][]> = {
    announce: trackers[0]!,
    'announce-list': trackers.map((t) => [t]),
    'created by': CREATED_BY,
    'creation date': Math.floor(createdAt.getTime() / 1000),
  }
  // "info" sorts after every key above, so it goes last: encode the rest as a dict, drop its
  // closing "e", append the key and the raw info bytes, close the dict again.
  const rest = bencodeEncode(head)
  return concatBytes([rest.subarray(0, rest.length - 1), bencodeEncode('info'), infoBytes, new Uint8Array([0x65])])
}

/** Where the raw value of top-level key `key` sits in a bencoded dict (already validated). */
function rawValueOf(bytes: Uint8Array, key: string): Uint8Array | null {
  let at = 1 // past the "d"
  while (bytes[at] !== 0x65) {
    const k = bencodeDecodePrefix(bytes, at)
    const v = bencodeDecodePrefix(bytes, k.end)
    if (k.value instanceof Uint8Array && bytesToUtf8(k.value) === key) return bytes.subarray(k.end, v.end)
    at = v.end
  }
  return null
}

function trackersOf(meta: Record<string, unknown>): string[] {
  const urls: string[] = []
  const add = (v: unknown): void => {
    if (!(v instanceof Uint8Array) || v.length > 2048) return
    const url = bytesToUtf8(v).trim()
    if (url !== '' && !urls.includes(url)) urls.push(url)
  }
  const list = dictGet(meta, 'announce-list')
  // BEP 12: when announce-list is present, clients use it and ignore announce; both are read
  // here because some files put a tracker only in announce.
  if (Array.isArray(list)) for (const tier of list) if (Array.isArray(tier)) tier.forEach(add)
  add(dictGet(meta, 'announce'))
  return urls
}

/** Decodes a .torrent file the user opened or dropped. Throws TorrentFileError with a message for them. */
export async function decodeTorrentFile(bytes: unknown, fileName = 'This file'): Promise<OpenedTorrent> {
  if (!(bytes instanceof Uint8Array)) throw new TorrentFileError(`${fileName} could not be read`)
  if (bytes.length > MAX_TORRENT_FILE_SIZE) {
    throw new TorrentFileError(`${fileName} is not a .torrent file: it is larger than any torrent's metadata (${MAX_TORRENT_FILE_SIZE} bytes)`)
  }
  let meta: unknown
  try {
    meta = bencodeDecode(bytes)
  } catch (err) {
    if (err instanceof BencodeError) throw new TorrentFileError(`${fileName} is not a .torrent file (its contents are not bencoded metadata)`)
    throw err
  }
  const info = isDict(meta) ? dictGet(meta, 'info') : undefined
  if (!isDict(meta) || !isDict(info)) throw new TorrentFileError(`${fileName} is not a .torrent file (it has no info dictionary)`)

  // BEP 52: a v2 info dict has "meta version" 2 and a "file tree"; a hybrid one adds v1's
  // "pieces" and padding files. We speak v1 only: v2 piece hashes (SHA-256 merkle trees) are
  // unknown to our peers, and a hybrid's padding files would show up as files to save.
  if (dictGet(info, 'meta version') === 2 || dictGet(info, 'file tree') !== undefined) {
    const hybrid = dictGet(info, 'pieces') !== undefined
    throw new TorrentFileError(
      hybrid
        ? `${fileName} is a hybrid BitTorrent v1+v2 torrent, which Tabswarm does not support yet (it speaks BitTorrent v1 only); ask for a v1 torrent or its magnet link`
        : `${fileName} is a BitTorrent v2-only torrent, which Tabswarm does not support (it speaks BitTorrent v1 only)`,
    )
  }

  const infoBytes = rawValueOf(bytes, 'info')
  if (!infoBytes) throw new TorrentFileError(`${fileName} is not a .torrent file (it has no info dictionary)`)
  let parsed: TorrentInfo
  try {
    parsed = await parseInfo(infoBytes.slice())
  } catch (err) {
    if (err instanceof TorrentError) throw new TorrentFileError(`${fileName} is not a usable torrent: ${err.message}`)
    throw err
  }
  const all = trackersOf(meta)
  const ws = all.filter((u) => WS_URL.test(u))
  return { info: parsed, trackers: ws.slice(0, MAX_TRACKERS), ignored: all.length - ws.length }
}

/** `<name>.torrent`; the name is already a single safe path segment (parseInfo checks it). */
export function torrentFileName(name: string): string {
  return `${name}.torrent`
}
