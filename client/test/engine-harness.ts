// In-memory stand-ins for the browser parts of the engine (data channel, IndexedDB store,
// hash worker pool), so the torrent logic can be exercised in Node with real bytes.
import { buildInfo } from '../../shared/torrent'
import type { TorrentInfo } from '../../shared/torrent'
import { choosePieceLength, pieceCountFor, pieceLengthAt } from '../../shared/pieces'
import { equalBytes, randomPeerId, sha1 } from '../../shared/binary'
import type { PeerChannel } from '../src/lib/engine/rtc'
import { TokenBucket } from '../src/lib/engine/rate'
import { Torrent } from '../src/lib/engine/torrent'
import type { TorrentDeps } from '../src/lib/engine/torrent-types'
import type { HashPool } from '../src/lib/hashing/pool'
import type { PieceStore } from '../src/lib/storage/piece-store'

export class FakeChannel implements PeerChannel {
  other: FakeChannel | null = null
  private dataCbs: ((d: Uint8Array) => void)[] = []
  private closeCbs: ((r: string) => void)[] = []
  closed = false
  bufferedAmount = 0
  /** One-way delivery delay, so request/have round trips cost something as on a real link. */
  latencyMs = 0
  /** How long a close takes to reach the other end (null: at once, within the close call). */
  closeLatencyMs: number | null = null
  /** Rewrites outgoing bytes: lets a test play a lying peer. */
  tamper: ((d: Uint8Array) => Uint8Array) | null = null

  send(data: Uint8Array): void {
    if (this.closed) return
    const copy = this.tamper ? this.tamper(data.slice()) : data.slice()
    const to = this.other
    setTimeout(() => to && !to.closed && to.dataCbs.forEach((cb) => cb(copy)), this.latencyMs)
  }
  onData(cb: (d: Uint8Array) => void) { this.dataCbs.push(cb) }
  onDrain(_cb: () => void) {}
  onClose(cb: (r: string) => void) { this.closeCbs.push(cb) }
  close(): void {
    if (this.closed) return
    this.closed = true
    this.closeCbs.forEach((cb) => cb('closed'))
    const other = this.other
    if (this.closeLatencyMs === null) other?.close()
    else setTimeout(() => other?.close(), this.closeLatencyMs)
  }
}

export function channelPair(latencyMs = 0, closeLatencyMs: number | null = null): [FakeChannel, FakeChannel] {
  const a = new FakeChannel()
  const b = new FakeChannel()
  a.latencyMs = b.latencyMs = latencyMs
  a.closeLatencyMs = b.closeLatencyMs = closeLatencyMs
  a.other = b
  b.other = a
  return [a, b]
}

export class MemoryStore {
  pieces = new Map<string, Uint8Array>()
  writes = 0
  async writePiece(infoHash: string, index: number, data: Uint8Array): Promise<void> {
    this.writes++
    this.pieces.set(`${infoHash}:${index}`, data.slice())
  }
  async readPiece(infoHash: string, index: number): Promise<Uint8Array | null> {
    return this.pieces.get(`${infoHash}:${index}`) ?? null
  }
}

const pool = {
  async verify(buffer: ArrayBuffer, expected: Uint8Array) {
    return { ok: equalBytes(await sha1(new Uint8Array(buffer)), expected), buffer }
  },
}

export interface Node {
  torrent: Torrent
  store: MemoryStore
  peerId: Uint8Array
  completed: Promise<void>
}

const live: Node[] = []

/** Tears down every node made so far (their choker timers would keep the test process alive). */
export function destroyAll(): void {
  for (const n of live.splice(0)) n.torrent.destroy()
}

export interface NodeOptions {
  /** Download limit in bytes per second (0 = none). */
  downLimit?: number
  /** File selection, one boolean per file. */
  selection?: boolean[]
  /** Upload limit in bytes per second (0 = none). */
  upLimit?: number
}

export function makeNode(infoHash: string, info: TorrentInfo | null, bitfield: Uint8Array | null, store = new MemoryStore(), opts: NodeOptions = {}): Node {
  let done!: () => void
  const completed = new Promise<void>((r) => (done = r))
  const peerId = randomPeerId()
  const deps: TorrentDeps = {
    store: store as unknown as PieceStore,
    pool: pool as unknown as HashPool,
    peerId,
    limits: { up: bucket(opts.upLimit ?? 0), down: bucket(opts.downLimit ?? 0) },
    onChange: () => undefined,
    persistInfo: async () => undefined,
    completed: () => done(),
  }
  const torrent = new Torrent(infoHash, 'x', info, bitfield, deps, opts.selection ?? null)
  torrent.start()
  const node = { torrent, store, peerId, completed }
  live.push(node)
  return node
}

function bucket(bytesPerSecond: number): TokenBucket {
  const b = new TokenBucket()
  b.setLimit(bytesPerSecond)
  return b
}

export function connect(a: Node, b: Node, latencyMs = 0): [FakeChannel, FakeChannel] {
  const [ca, cb] = channelPair(latencyMs)
  const hex = (id: Uint8Array) => Buffer.from(id).toString('hex')
  a.torrent.attach(ca, hex(b.peerId), 'b')
  b.torrent.attach(cb, hex(a.peerId), 'a')
  return [ca, cb]
}

/** A random file split into pieces, its info, and a seeder store holding every piece. */
export async function makeTorrent(size: number, pieceLength = choosePieceLength(size), fileSizes: number[] = [size]) {
  const bytes = new Uint8Array(size)
  for (let i = 0; i < size; i += 65536) crypto.getRandomValues(bytes.subarray(i, Math.min(size, i + 65536)))
  const count = pieceCountFor(size, pieceLength)
  const hashes = new Uint8Array(count * 20)
  const store = new MemoryStore()
  const pieces: Uint8Array[] = []
  for (let i = 0; i < count; i++) {
    const piece = bytes.subarray(i * pieceLength, i * pieceLength + pieceLengthAt(size, pieceLength, i))
    pieces.push(piece)
    hashes.set(await sha1(piece), i * 20)
  }
  const files = fileSizes.length === 1 ? [{ path: 'random.bin', length: size }] : fileSizes.map((length, i) => ({ path: `random/f${i}.bin`, length }))
  const info = await buildInfo({ name: fileSizes.length === 1 ? 'random.bin' : 'random', files, pieceLength, pieceHashes: hashes })
  for (let i = 0; i < count; i++) store.pieces.set(`${info.infoHash}:${i}`, pieces[i]!.slice())
  const full = new Uint8Array(Math.ceil(count / 8)).fill(0xff)
  const spare = full.length * 8 - count
  if (spare) full[full.length - 1] = (0xff << spare) & 0xff
  return { bytes, info, store, full }
}

export function assembled(store: MemoryStore, info: TorrentInfo): Uint8Array {
  const out = new Uint8Array(info.length)
  for (let i = 0; i < info.pieceCount; i++) {
    const p = store.pieces.get(`${info.infoHash}:${i}`)
    if (!p) throw new Error(`piece ${i} missing`)
    out.set(p, i * info.pieceLength)
  }
  return out
}
