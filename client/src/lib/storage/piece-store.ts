// Verified pieces and torrent records in IndexedDB. Writes are batched (see write-batcher.ts),
// reads go through a small LRU because peers fetch a piece as a run of 16 KiB blocks, and
// nothing here ever holds a whole torrent: a 4 GiB file is a few thousand separate records.
import { decodeBytes, decodeTorrentRecord, openTabswarmDB, type PieceKey, type TabswarmDatabase, type TorrentRecord } from './db'
import { StorageError, errorMessage } from './errors'
import { ByteLru } from './lru'
import { commitPieces, deleteOrphanPieces, findOrphanTorrents, pieceRange } from './piece-ops'
import { WriteBatcher } from './write-batcher'
import { WorkerCommitter } from './worker-commit'

export { StorageError, StorageFullError, UnknownTorrentError } from './errors'
export type { TorrentRecord } from './db'

/** Read cache budget: a few pieces of the largest size, many of the usual 1–4 MiB. */
const READ_CACHE_BYTES = 32 * 1024 * 1024

export interface ReadOptions {
  /** False for one-off sequential reads (saving a file) that would only evict hot pieces. */
  cache?: boolean
}

export class PieceStore {
  private readonly cache = new ByteLru<Uint8Array>(READ_CACHE_BYTES)
  /** Reads under way, shared: the blocks of one piece are requested together. */
  private readonly reading = new Map<string, Promise<Uint8Array | null>>()
  private readonly batcher: WriteBatcher
  /** Piece commits run in the store worker when there is one (see worker-commit.ts). */
  private readonly committer: WorkerCommitter
  private closedReason: string | null = null

  private constructor(private readonly database: TabswarmDatabase) {
    this.committer = new WorkerCommitter((writes, bitfields) => commitPieces(this.db(), writes, bitfields))
    this.batcher = new WriteBatcher(this.committer.commit)
  }

  static async open(): Promise<PieceStore> {
    let store: PieceStore | null = null
    const database = await openTabswarmDB({
      onVersionChange: () => store?.markClosed('a newer version of Tabswarm opened in another tab; reload this tab'),
      onTerminated: () => store?.markClosed('the browser closed the database (storage cleared?); reload this tab'),
    })
    store = new PieceStore(database)
    // Leftovers of a removal cut short by closing the tab. In the background: finding them is
    // one key per torrent, but deleting gigabytes should not delay the page, and it is safe to
    // run alongside anything else (see piece-ops.ts).
    void sweepOrphans(database)
    return store
  }

  /** Every torrent record; corrupt ones are skipped and described in `corrupt` instead. */
  async listTorrents(): Promise<{ records: TorrentRecord[]; corrupt: string[] }> {
    const tx = this.db().transaction('torrents')
    const [keys, values] = await Promise.all([tx.store.getAllKeys(), tx.store.getAll()])
    await tx.done
    const records: TorrentRecord[] = []
    const corrupt: string[] = []
    values.forEach((raw: unknown, i) => {
      try {
        records.push(decodeTorrentRecord(raw))
      } catch (err) {
        const message = errorMessage(err)
        const key = String(keys[i])
        corrupt.push(message.includes(key) ? message : `${message} (key ${key})`)
      }
    })
    records.sort((a, b) => a.addedAt - b.addedAt)
    return { records, corrupt }
  }

  async getTorrent(infoHash: string): Promise<TorrentRecord | null> {
    const raw: unknown = await this.db().get('torrents', infoHash)
    return raw === undefined ? null : decodeTorrentRecord(raw)
  }

  /** Adds or replaces a record; checked with the same decoder that reads it back. */
  async putTorrent(rec: TorrentRecord): Promise<void> {
    await this.db().put('torrents', decodeTorrentRecord(rec))
  }

  /** Read-modify-write in one transaction, so concurrent patches of different fields all land. */
  async updateTorrent(infoHash: string, patch: Partial<TorrentRecord>): Promise<void> {
    const tx = this.db().transaction('torrents', 'readwrite')
    const raw: unknown = await tx.store.get(infoHash)
    if (raw === undefined) {
      tx.abort()
      await tx.done.catch(() => {})
      throw new StorageError(`Cannot update torrent ${infoHash}: it is not in storage`)
    }
    await tx.store.put(decodeTorrentRecord({ ...decodeTorrentRecord(raw), ...patch, infoHash }))
    await tx.done
  }

  /**
   * Removes the record first, then the pieces in batches. Writes still queued for this torrent
   * are then refused (UnknownTorrentError) instead of leaving pieces behind.
   */
  async deleteTorrent(infoHash: string): Promise<void> {
    const db = this.db()
    await db.delete('torrents', infoHash)
    this.cache.deletePrefix(`${infoHash}:`)
    // Reads under way would put the removed pieces back into the cache when they land.
    for (const key of [...this.reading.keys()]) if (key.startsWith(`${infoHash}:`)) this.reading.delete(key)
    this.batcher.forget(infoHash)
    await deleteOrphanPieces(db, infoHash)
  }

  /**
   * Stores a verified piece, batched with other writes (of any torrent) into one transaction;
   * resolves once committed, rejects with StorageFullError for the whole batch on quota. With
   * `bitfield`, the torrent's saved bitfield is replaced in that same transaction (the latest
   * given wins), so a reload never sees a bit for a piece that was not stored. The torrent's
   * record must exist. `data` must not be modified afterwards.
   */
  writePiece(infoHash: string, index: number, data: Uint8Array, bitfield?: Uint8Array): Promise<void> {
    if (this.closedReason) return Promise.reject(this.closedError())
    if (!Number.isInteger(index) || index < 0) return Promise.reject(new RangeError(`Bad piece index ${index}`))
    // Structured cloning a view copies its whole buffer; a piece cut from a larger buffer would
    // store the rest too.
    const own = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data : data.slice()
    const key = cacheKey(infoHash, index)
    this.cache.delete(key)
    const written = this.batcher.write({ infoHash, index, data: own, bitfield: bitfield ? bitfield.slice() : null })
    // Kept for serving once stored: in a swarm, a piece a tab just got is what its neighbours
    // ask it for next, and reading it back from IndexedDB costs about as much CPU as writing it.
    return written.then(() => {
      if (!this.closedReason) this.cache.set(key, own)
    })
  }

  /**
   * A stored piece, or null. The bytes may be shared with other readers through the cache:
   * slice them, never write into them.
   */
  readPiece(infoHash: string, index: number, options: ReadOptions = {}): Promise<Uint8Array | null> {
    const key = cacheKey(infoHash, index)
    const ready = this.batcher.pending(infoHash, index) ?? this.cache.get(key)
    if (ready) return Promise.resolve(ready)
    const already = this.reading.get(key)
    if (already) return already
    const read = this.load(infoHash, index).then((bytes) => {
      if (bytes && options.cache !== false && this.reading.get(key) === read) this.cache.set(key, bytes)
      return bytes
    })
    this.reading.set(key, read)
    const forget = (): void => {
      if (this.reading.get(key) === read) this.reading.delete(key)
    }
    read.then(forget, forget)
    return read
  }

  async hasPiece(infoHash: string, index: number): Promise<boolean> {
    if (this.batcher.pending(infoHash, index) || this.cache.get(cacheKey(infoHash, index))) return true
    return (await this.db().count('pieces', [infoHash, index] satisfies PieceKey)) > 0
  }

  /** Indexes of the stored pieces of a torrent (keys only), e.g. to rebuild a lost bitfield. */
  async storedPieceIndexes(infoHash: string): Promise<number[]> {
    const keys = await this.db().getAllKeys('pieces', pieceRange(infoHash))
    return keys.map((k) => k[1])
  }

  /** A stored setting passed through `decode`; undefined when never set. */
  async getSetting<T>(key: string, decode: (raw: unknown) => T): Promise<T | undefined> {
    const raw: unknown = await this.db().get('settings', key)
    if (raw === undefined) return undefined
    try {
      return decode(raw)
    } catch (err) {
      throw new StorageError(`Stored setting "${key}" is corrupt: ${errorMessage(err)}`, { cause: err })
    }
  }

  /** `value` must be structured-cloneable (plain data). */
  async setSetting(key: string, value: unknown): Promise<void> {
    await this.db().put('settings', value, key)
  }

  async estimate(): Promise<{ usage: number; quota: number } | null> {
    try {
      const est = await navigator.storage?.estimate?.()
      if (!est || typeof est.usage !== 'number' || typeof est.quota !== 'number') return null
      return { usage: est.usage, quota: est.quota }
    } catch {
      return null
    }
  }

  /**
   * Asks the browser not to evict our data under storage pressure (best effort: Chrome grants
   * it to sites the user engages with). Worth asking before storing gigabytes.
   */
  async persist(): Promise<boolean> {
    try {
      return (await navigator.storage?.persisted?.()) || ((await navigator.storage?.persist?.()) ?? false)
    } catch {
      return false
    }
  }

  /** Lets queued writes finish, then closes the connection. */
  async close(): Promise<void> {
    if (this.closedReason) return
    await this.batcher.drain()
    this.markClosed('the store was closed')
    this.committer.close()
    this.database.close()
  }

  private async load(infoHash: string, index: number): Promise<Uint8Array | null> {
    const raw: unknown = await this.db().get('pieces', [infoHash, index] satisfies PieceKey)
    if (raw === undefined) return null
    const bytes = decodeBytes(raw)
    if (!bytes) throw new StorageError(`Stored piece ${index} of torrent ${infoHash} is corrupt: not bytes`)
    return bytes
  }

  private markClosed(reason: string): void {
    this.closedReason ??= reason
    this.cache.clear()
  }

  private closedError(): StorageError {
    return new StorageError(`Storage is unavailable: ${this.closedReason ?? 'closed'}`)
  }

  private db(): TabswarmDatabase {
    if (this.closedReason) throw this.closedError()
    return this.database
  }
}

async function sweepOrphans(database: TabswarmDatabase): Promise<void> {
  try {
    for (const infoHash of await findOrphanTorrents(database)) await deleteOrphanPieces(database, infoHash)
  } catch (err) {
    // Not fatal: the pieces stay until the next start. Also reached when the store is closed.
    console.warn('Tabswarm: could not sweep leftover pieces:', err)
  }
}

function cacheKey(infoHash: string, index: number): string {
  return `${infoHash}:${index}`
}
