// The IndexedDB schema of a Tabswarm tab. Everything read back from here is decoded from
// `unknown`: the database outlives the code that wrote it (another version of the app, a tab
// killed mid-write, a user poking at devtools), so a record is evidence, not a promise.
import { openDB, type DBSchema, type IDBPDatabase } from 'idb'

export const DB_NAME = 'tabswarm'
/** Bump when the schema changes and add a `case` to `migrate`. */
export const DB_VERSION = 1

export type TorrentRole = 'seeding' | 'downloading'

export interface TorrentRecord {
  /** 40 lowercase hex digits; the key of the `torrents` store. */
  infoHash: string
  name: string
  magnet: string
  /** The bencoded info dict; null until the metadata has been fetched from peers (BEP 9). */
  infoBytes: Uint8Array | null
  role: TorrentRole
  paused: boolean
  /** BEP 3 wire layout; never claims a piece that is not in the `pieces` store. */
  bitfield: Uint8Array | null
  uploaded: number
  downloaded: number
  /** Milliseconds since the epoch. */
  addedAt: number
  /** Which files to download, one per file; absent or null: all (records before file selection). */
  selected?: boolean[] | null
}

/** Key of a verified piece: pieces of one torrent sort together, so a range deletes them. */
export type PieceKey = [infoHash: string, index: number]

export interface TabswarmDB extends DBSchema {
  torrents: { key: string; value: TorrentRecord }
  // Values are typed `unknown` so every read goes through a decoder; writes store a Uint8Array
  // that owns its whole buffer (older data may be an ArrayBuffer).
  pieces: { key: PieceKey; value: unknown }
  settings: { key: string; value: unknown }
}

export type TabswarmDatabase = IDBPDatabase<TabswarmDB>

export interface OpenCallbacks {
  /** Another tab wants a newer schema: this connection has been closed to let it upgrade. */
  onVersionChange?: () => void
  /** The browser dropped the connection (storage cleared, disk error). */
  onTerminated?: () => void
}

export async function openTabswarmDB(callbacks: OpenCallbacks = {}): Promise<TabswarmDatabase> {
  const db = await openDB<TabswarmDB>(DB_NAME, DB_VERSION, {
    upgrade(database, oldVersion) {
      // One step per version, so a browser several versions behind replays every step in order.
      for (let v = oldVersion; v < DB_VERSION; v++) migrate(database, v)
    },
    blocking() {
      // Holding on would stall the other tab's upgrade forever; this tab must reload instead.
      db.close()
      callbacks.onVersionChange?.()
    },
    terminated() {
      callbacks.onTerminated?.()
    },
  })
  return db
}

/** Upgrades the schema from version `from` to `from + 1`. */
function migrate(database: TabswarmDatabase, from: number): void {
  switch (from) {
    case 0:
      database.createObjectStore('torrents', { keyPath: 'infoHash' })
      database.createObjectStore('pieces')
      database.createObjectStore('settings')
      break
    default:
      throw new Error(`No migration from storage schema version ${from}`)
  }
}

/** Raised for a stored record that cannot be trusted; the message names the bad field. */
export class CorruptRecordError extends Error {
  override name = 'CorruptRecordError'
}

const INFO_HASH = /^[0-9a-f]{40}$/

function describe(v: unknown): string {
  if (v === undefined) return 'nothing'
  if (v === null) return 'null'
  if (v instanceof Uint8Array) return `${v.length} bytes`
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)
  if (typeof v === 'object') return Array.isArray(v) ? 'an array' : 'an object'
  return `${typeof v} ${String(v)}`
}

/**
 * Bytes as IndexedDB hands them back. A Uint8Array survives structured cloning as one; an
 * ArrayBuffer is accepted too so data written by other code paths stays readable.
 */
export function decodeBytes(raw: unknown): Uint8Array | null {
  if (raw instanceof Uint8Array) return raw
  if (raw instanceof ArrayBuffer) return new Uint8Array(raw)
  return null
}

export function decodeTorrentRecord(raw: unknown): TorrentRecord {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new CorruptRecordError(`Corrupt torrent record: expected an object, got ${describe(raw)}`)
  }
  const r = raw as Record<string, unknown>
  const key = typeof r.infoHash === 'string' ? r.infoHash : '?'
  const bad = (field: string, want: string): never => {
    throw new CorruptRecordError(`Corrupt torrent record ${key}: "${field}" should be ${want}, got ${describe(r[field])}`)
  }
  const num = (field: string): number => {
    const v = r[field]
    return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : bad(field, 'a non-negative number')
  }
  const bytesOrNull = (field: string): Uint8Array | null => {
    const v = r[field]
    if (v === null) return null
    return decodeBytes(v) ?? bad(field, 'bytes or null')
  }

  const infoHash = typeof r.infoHash === 'string' && INFO_HASH.test(r.infoHash) ? r.infoHash : bad('infoHash', '40 lowercase hex digits')
  const role = r.role === 'seeding' || r.role === 'downloading' ? r.role : bad('role', '"seeding" or "downloading"')
  return {
    infoHash,
    name: typeof r.name === 'string' ? r.name : bad('name', 'a string'),
    magnet: typeof r.magnet === 'string' ? r.magnet : bad('magnet', 'a string'),
    infoBytes: bytesOrNull('infoBytes'),
    role,
    paused: typeof r.paused === 'boolean' ? r.paused : bad('paused', 'a boolean'),
    bitfield: bytesOrNull('bitfield'),
    uploaded: num('uploaded'),
    downloaded: num('downloaded'),
    addedAt: num('addedAt'),
    ...(r.selected === undefined || r.selected === null
      ? {}
      : { selected: Array.isArray(r.selected) && r.selected.every((v) => typeof v === 'boolean') ? [...(r.selected as boolean[])] : bad('selected', 'an array of booleans or null') }),
  }
}
