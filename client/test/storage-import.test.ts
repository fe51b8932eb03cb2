import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, it } from 'node:test'
import { parseInfo } from '../../shared/torrent'
import { ImportError, importFiles } from '../src/lib/files/import'
import { fileBlob } from '../src/lib/files/save'
import { consecutiveRuns, piecesPerRead, readPieces, type Layout } from '../src/lib/files/piece-reader'
import { HashPool, type HashWorkerPort } from '../src/lib/hashing/pool'
import type { HashRequest } from '../src/lib/hashing/messages'
import type { PieceStore, TorrentRecord } from '../src/lib/storage/piece-store'
import { StorageFullError, UnknownTorrentError } from '../src/lib/storage/errors'

/** Hashes with node:crypto in a later task, as a worker would. */
class NodeHashWorker implements HashWorkerPort {
  onmessage: ((ev: MessageEvent) => void) | null = null
  onerror: ((ev: ErrorEvent) => void) | null = null
  onmessageerror: ((ev: MessageEvent) => void) | null = null
  postMessage(m: HashRequest): void {
    const digest = new Uint8Array(createHash('sha1').update(new Uint8Array(m.buffer)).digest()).buffer
    setTimeout(() => this.onmessage?.({ data: { type: 'digest', id: m.id, digest, buffer: m.buffer } } as MessageEvent), 0)
  }
  terminate(): void {}
}

/** The part of PieceStore that importFiles uses, in memory, with the same invariants. */
class MemoryStore {
  records = new Map<string, TorrentRecord>()
  pieces = new Map<string, Uint8Array>()
  writes = 0
  failWriteAt: number | null = null
  async getTorrent(h: string): Promise<TorrentRecord | null> {
    return this.records.get(h) ?? null
  }
  async putTorrent(r: TorrentRecord): Promise<void> {
    this.records.set(r.infoHash, { ...r })
  }
  async writePiece(h: string, i: number, data: Uint8Array, bits?: Uint8Array): Promise<void> {
    const rec = this.records.get(h)
    if (!rec) throw new UnknownTorrentError(h)
    if (this.writes++ === this.failWriteAt) throw new StorageFullError('test')
    this.pieces.set(`${h}:${i}`, data.slice())
    if (bits) rec.bitfield = bits.slice()
  }
  async readPiece(h: string, i: number): Promise<Uint8Array | null> {
    return this.pieces.get(`${h}:${i}`) ?? null
  }
  async deleteTorrent(h: string): Promise<void> {
    this.records.delete(h)
    for (const k of [...this.pieces.keys()]) if (k.startsWith(`${h}:`)) this.pieces.delete(k)
  }
}

function bytes(n: number, seed: number): Uint8Array<ArrayBuffer> {
  const b = new Uint8Array(n)
  for (let i = 0; i < n; i++) b[i] = (i * 7 + seed * 13 + (i >> 9)) & 255
  return b
}

const setup = (): { store: MemoryStore; deps: { store: PieceStore; pool: HashPool } } => {
  const store = new MemoryStore()
  return { store, deps: { store: store as unknown as PieceStore, pool: new HashPool(2, () => new NodeHashWorker()) } }
}

describe('importFiles', () => {
  // 16 KiB pieces; files end mid-piece and one piece spans all three.
  const contents = [bytes(40000, 1), bytes(1, 2), bytes(30000, 3)] as const
  const files = () => [new File([contents[1]!], 'b.txt'), new File([contents[0]!], 'a.bin'), new File([contents[2]!], 'c.dat')]
  const all = Buffer.concat(contents)

  it('hashes, stores every piece under the info hash and records a complete seed', async () => {
    const { store, deps } = setup()
    const progress: number[] = []
    const info = await importFiles(files(), deps, (f) => progress.push(f))
    assert.equal(info.name, 'a.bin and 2 more')
    assert.deepEqual(info.files.map((f) => [f.path, f.length, f.offset]), [['a.bin', 40000, 0], ['b.txt', 1, 40000], ['c.dat', 30000, 40001]])
    assert.equal((await parseInfo(info.infoBytes, info.infoHash)).pieceCount, 5)
    const stored = Buffer.concat(Array.from({ length: info.pieceCount }, (_, i) => store.pieces.get(`${info.infoHash}:${i}`)!))
    assert.ok(stored.equals(all))
    const rec = store.records.get(info.infoHash)!
    assert.equal(rec.role, 'seeding')
    assert.equal(rec.magnet, '')
    assert.deepEqual(rec.bitfield, new Uint8Array([0xf8]))
    assert.deepEqual(rec.infoBytes, info.infoBytes)
    assert.ok(progress.every((p, i) => i === 0 || p >= progress[i - 1]!))
    assert.equal(progress.at(-1), 1)
  })

  it('gives each file back exactly, and names a missing piece', async () => {
    const { store, deps } = setup()
    const info = await importFiles(files(), deps, () => {})
    for (const [i, want] of [contents[0], contents[1], contents[2]].entries()) {
      const blob = await fileBlob(deps.store, info, i)
      assert.deepEqual(new Uint8Array(await blob.arrayBuffer()), want)
    }
    store.pieces.delete(`${info.infoHash}:4`)
    await assert.rejects(fileBlob(deps.store, info, 2), /Cannot save "c.dat": piece 4 \(of 5\) has not been downloaded yet/)
  })

  it('keeps an existing complete record and rewrites nothing', async () => {
    const { store, deps } = setup()
    const info = await importFiles(files(), deps, () => {})
    store.records.get(info.infoHash)!.uploaded = 123
    const before = store.writes
    await importFiles(files(), deps, () => {})
    assert.equal(store.writes, before)
    assert.equal(store.records.get(info.infoHash)!.uploaded, 123)
  })

  it('removes what it stored when storage fails', async () => {
    const { store, deps } = setup()
    store.failWriteAt = 2
    await assert.rejects(importFiles(files(), deps, () => {}), StorageFullError)
    assert.equal(store.records.size, 0)
    assert.equal(store.pieces.size, 0)
  })

  it('stops on abort', async () => {
    const { store, deps } = setup()
    const ctl = new AbortController()
    ctl.abort()
    await assert.rejects(importFiles(files(), deps, () => {}, ctl.signal), { name: 'AbortError' })
    assert.equal(store.records.size, 0)
  })

  it('refuses an empty file before doing any work', async () => {
    const { store, deps } = setup()
    await assert.rejects(importFiles([new File([], 'x.txt')], deps, () => {}), (e: unknown) => e instanceof ImportError && /"x.txt" is empty/.test(e.message))
    assert.equal(store.writes, 0)
  })
})

describe('piece reader', () => {
  it('groups consecutive pieces up to a limit', () => {
    assert.deepEqual(consecutiveRuns([0, 1, 2, 3, 5, 6, 9], 3), [[0, 1, 2], [3], [5, 6], [9]])
    assert.equal(piecesPerRead(1 << 20), 4)
    assert.equal(piecesPerRead(16 << 20), 1)
  })

  it('reads a run across file boundaries into one buffer per piece', async () => {
    const a = bytes(25, 1)
    const b = bytes(10, 2)
    const layout: Layout = { files: [new Blob([a]), new Blob([b])], paths: ['a', 'b'], spans: [{ offset: 0, length: 25 }, { offset: 25, length: 10 }], total: 35, pieceLength: 16, pieceCount: 3 }
    const pieces = await readPieces(layout, [1, 2])
    assert.deepEqual(pieces.map((p) => [...new Uint8Array(p)]), [[...a.subarray(16), ...b.subarray(0, 7)], [...b.subarray(7)]])
  })
})
