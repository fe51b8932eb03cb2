// The service worker's read-only view of the tabs' IndexedDB: torrent records and verified
// pieces, through the same schema and decoders as the engine (storage/db.ts). The worker never
// writes: the tab that runs a torrent (through its store worker) is its only writer.
import { openDB } from 'idb'
import { Bitfield } from '@shared/pieces'
import { parseInfo, type TorrentInfo } from '@shared/torrent'
import { DB_NAME, decodeBytes, decodeTorrentRecord, openTabswarmDB, type PieceKey, type TabswarmDB, type TabswarmDatabase, type TorrentRecord } from '../lib/storage/db'

export interface StoredTorrent {
  record: TorrentRecord
  info: TorrentInfo | null
  /** Whether piece i is stored (by the record's bitfield, written in the pieces' transaction). */
  has(i: number): boolean
}

export class StoredTorrents {
  private db: Promise<TabswarmDatabase> | null = null
  /** Parsed info dicts by info hash: they never change once fetched, and parsing hashes them. */
  private readonly infos = new Map<string, Promise<TorrentInfo>>()
  private readonly parsed = new Map<string, TorrentInfo>()

  /** The info dict of a torrent read before, without touching IndexedDB (it never changes). */
  knownInfo(infoHash: string): TorrentInfo | null {
    return this.parsed.get(infoHash) ?? null
  }

  async torrent(infoHash: string): Promise<StoredTorrent | null> {
    const raw: unknown = await (await this.open()).get('torrents', infoHash)
    if (raw === undefined) return null
    const record = decodeTorrentRecord(raw)
    let info: TorrentInfo | null = null
    if (record.infoBytes) {
      let parsed = this.infos.get(infoHash)
      if (!parsed) {
        parsed = parseInfo(record.infoBytes, infoHash)
        this.infos.set(infoHash, parsed)
        parsed.then(
          (info) => this.parsed.set(infoHash, info),
          () => this.infos.delete(infoHash),
        )
      }
      info = await parsed
    }
    const count = info?.pieceCount ?? 0
    // A seeding record may store an empty bitfield meaning "all" (engine/client.ts).
    const all = record.role === 'seeding' && (!record.bitfield || record.bitfield.byteLength === 0)
    const bits = !all && record.bitfield && count > 0 ? Bitfield.fromBytes(record.bitfield, count) : null
    return { record, info, has: (i) => all || !!bits?.has(i) }
  }

  async piece(infoHash: string, index: number): Promise<Uint8Array | null> {
    const raw: unknown = await (await this.open()).get('pieces', [infoHash, index] satisfies PieceKey)
    if (raw === undefined) return null
    const bytes = decodeBytes(raw)
    if (!bytes) throw new Error(`Stored piece ${index} of torrent ${infoHash} is corrupt`)
    return bytes
  }

  /**
   * Pieces `from`..`from + count - 1` that are stored, read in one transaction: a media element
   * reads a file front to back, and one transaction per small piece costs more than the bytes.
   */
  async pieces(infoHash: string, from: number, count: number): Promise<Map<number, Uint8Array>> {
    const tx = (await this.open()).transaction('pieces')
    const raws = await Promise.all(Array.from({ length: count }, (_, k) => tx.store.get([infoHash, from + k] satisfies PieceKey)))
    const out = new Map<number, Uint8Array>()
    raws.forEach((raw: unknown, k) => {
      const bytes = raw === undefined ? null : decodeBytes(raw)
      if (bytes) out.set(from + k, bytes)
    })
    return out
  }

  private open(): Promise<TabswarmDatabase> {
    const forget = (): void => {
      this.db = null
    }
    this.db ??= openTabswarmDB({ onVersionChange: forget, onTerminated: forget }).catch((err: unknown) => {
      // A worker older than the tabs (an update is waiting) meets a newer schema: open whatever
      // version is there, without upgrading, rather than refuse to serve.
      if (err instanceof DOMException && err.name === 'VersionError') {
        return openDB<TabswarmDB>(DB_NAME, undefined, { blocking: (_c, _n, ev) => {
            ;(ev.target as IDBDatabase).close()
            forget()
          } })
      }
      forget()
      throw err
    })
    return this.db
  }
}
