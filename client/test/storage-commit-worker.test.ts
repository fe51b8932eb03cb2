import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CommitMessageError, decodeCommitReply, decodeCommitRequest, type CommitRequest } from '../src/lib/storage/commit-messages'
import { StorageError, StorageFullError, UnknownTorrentError } from '../src/lib/storage/errors'
import { WorkerCommitter, type StoreWorkerPort } from '../src/lib/storage/worker-commit'
import type { CommitFn, PieceWrite } from '../src/lib/storage/write-batcher'

const A = 'a'.repeat(40)
const B = 'b'.repeat(40)

type Answer = (req: CommitRequest) => unknown

/** A worker stand-in that answers in a later task, as a real one does; `answer` scripts it. */
class FakeStoreWorker implements StoreWorkerPort {
  onmessage: ((ev: MessageEvent) => void) | null = null
  onerror: ((ev: ErrorEvent) => void) | null = null
  onmessageerror: ((ev: MessageEvent) => void) | null = null
  terminated = false
  requests: CommitRequest[] = []
  transfers: Transferable[][] = []
  constructor(private readonly answer: Answer | 'crash' | 'silent') {}

  postMessage(message: CommitRequest, transfer: Transferable[]): void {
    const req = decodeCommitRequest(message) // what the real worker does first
    this.requests.push(req)
    this.transfers.push(transfer)
    setTimeout(() => {
      if (this.terminated || this.answer === 'silent') return
      if (this.answer === 'crash') this.onerror?.({ message: 'worker died', preventDefault() {} } as ErrorEvent)
      else this.onmessage?.({ data: this.answer(req) } as MessageEvent)
    }, 1)
  }

  terminate(): void {
    this.terminated = true
  }
}

const write = (infoHash: string, index: number, fill: number): PieceWrite => ({ infoHash, index, data: new Uint8Array(64).fill(fill), bitfield: null })

/** The in-page commit, recording what it was asked to store. */
function inPageRecorder(): { commit: CommitFn; stored: string[] } {
  const stored: string[] = []
  return {
    stored,
    commit: async (writes) => {
      for (const w of writes) stored.push(`${w.infoHash.slice(0, 1)}${w.index}:${w.data[0]}`)
      return writes.map(() => null)
    },
  }
}

describe('piece commits through the store worker', { timeout: 10_000 }, () => {
  it('sends copies of the bytes and bitfields, so the page keeps its own for readers', async () => {
    const page = inPageRecorder()
    const fake = new FakeStoreWorker((req) => ({ type: 'committed', id: req.id, results: req.writes.map(() => null) }))
    const c = new WorkerCommitter(page.commit, () => fake)
    const w = write(A, 3, 7)
    const bits = new Uint8Array([0x10])
    assert.deepEqual(await c.commit([w], new Map([[A, bits]])), [null])
    assert.equal(page.stored.length, 0, 'the page did not store anything itself')
    const req = fake.requests[0]!
    assert.deepEqual(new Uint8Array(req.writes[0]!.data), w.data)
    assert.deepEqual(new Uint8Array(req.bitfields[0]!.bits), bits)
    assert.notEqual(req.writes[0]!.data, w.data.buffer, 'a copy went to the worker')
    assert.equal(fake.transfers[0]!.length, 2, 'both copies were transferred, not cloned')
    assert.equal(w.data.byteLength, 64, "the page's bytes are not detached")
  })

  it('maps refusals and failures back to the errors the engine tells apart', async () => {
    const fake = new FakeStoreWorker((req) =>
      req.id === 1
        ? { type: 'committed', id: req.id, results: [null, { reason: 'unknown-torrent', message: 'gone' }, { reason: 'other', message: 'bad record' }] }
        : req.id === 2
          ? { type: 'failed', id: req.id, full: true, message: 'the browser refused to store 1 piece(s), 64 B.' }
          : { type: 'failed', id: req.id, full: false, message: 'Could not save 1 piece(s): disk error' },
    )
    const c = new WorkerCommitter(inPageRecorder().commit, () => fake)
    const results = await c.commit([write(A, 0, 1), write(B, 1, 2), write(A, 2, 3)], new Map())
    assert.equal(results[0], null)
    assert.ok(results[1] instanceof UnknownTorrentError)
    assert.equal((results[1] as UnknownTorrentError).infoHash, B)
    assert.ok(results[2] instanceof StorageError)
    assert.match(results[2]!.message, /bad record/)
    const full = await c.commit([write(A, 4, 1)], new Map()).catch((e: unknown) => e)
    assert.ok(full instanceof StorageFullError)
    assert.equal((full as StorageFullError).message, 'Storage is full: the browser refused to store 1 piece(s), 64 B.')
    const other = await c.commit([write(A, 5, 1)], new Map()).catch((e: unknown) => e)
    assert.ok(other instanceof StorageError && !(other instanceof StorageFullError))
    assert.ok(c.usingWorker, 'a refused write is not a broken worker')
  })

  it('commits in the page what a dead worker left unanswered, in order, and keeps doing so', async () => {
    const page = inPageRecorder()
    const fake = new FakeStoreWorker('crash')
    const c = new WorkerCommitter(page.commit, () => fake)
    const first = c.commit([write(A, 0, 1), write(A, 1, 2)], new Map())
    const second = c.commit([write(A, 2, 3)], new Map())
    assert.deepEqual(await first, [null, null])
    assert.deepEqual(await second, [null])
    assert.deepEqual(page.stored, ['a0:1', 'a1:2', 'a2:3'])
    assert.ok(fake.terminated && !c.usingWorker)
    assert.match(c.failure ?? '', /worker died/)
    assert.deepEqual(await c.commit([write(A, 3, 4)], new Map()), [null])
    assert.equal(fake.requests.length, 2, 'nothing more goes to the dead worker')
    assert.deepEqual(page.stored.at(-1), 'a3:4')
  })

  it('gives up on a worker that answers garbage, and stores the batch in the page instead', async () => {
    const page = inPageRecorder()
    for (const garbage of [{ type: 'committed', id: 1, results: 'no' }, { type: 'committed', id: 1, results: [] }, 'hello', null]) {
      const c = new WorkerCommitter(page.commit, () => new FakeStoreWorker(() => garbage))
      assert.deepEqual(await c.commit([write(A, 9, 9)], new Map()), [null], JSON.stringify(garbage))
      assert.equal(c.usingWorker, false)
    }
    assert.equal(page.stored.length, 4)
  })

  it('runs in the page when no worker can be made, and close() rejects what is still owed', async () => {
    const page = inPageRecorder()
    const none = new WorkerCommitter(page.commit, () => null)
    assert.deepEqual(await none.commit([write(A, 0, 5)], new Map()), [null])
    const throws = new WorkerCommitter(page.commit, () => {
      throw new Error('no module workers')
    })
    assert.deepEqual(await throws.commit([write(A, 1, 5)], new Map()), [null])
    assert.match(throws.failure ?? '', /no module workers/)
    assert.deepEqual(page.stored, ['a0:5', 'a1:5'])

    const c = new WorkerCommitter(page.commit, () => new FakeStoreWorker('silent'))
    const owed = c.commit([write(A, 2, 5)], new Map())
    c.close()
    await assert.rejects(owed, StorageError)
  })

  it('decoders refuse malformed messages with a clear error', () => {
    const data = new ArrayBuffer(4)
    const good = { type: 'commit', id: 1, writes: [{ infoHash: A, index: 0, data }], bitfields: [{ infoHash: A, bits: new ArrayBuffer(1) }] }
    assert.equal(decodeCommitRequest(good).writes[0]!.data, data)
    const bad: [unknown, RegExp][] = [
      [null, /not an object/],
      [{ ...good, type: 'put' }, /unknown type/],
      [{ ...good, id: 'x' }, /numeric id/],
      [{ ...good, writes: [] }, /no writes/],
      [{ ...good, writes: [{ infoHash: 'ZZ', index: 0, data }] }, /info hash/],
      [{ ...good, writes: [{ infoHash: A, index: -1, data }] }, /piece index/],
      [{ ...good, writes: [{ infoHash: A, index: 0, data: new Uint8Array(4) }] }, /no bytes/],
      [{ ...good, bitfields: [{ infoHash: A, bits: [1] }] }, /bitfield has no bytes/],
    ]
    for (const [raw, why] of bad) assert.throws(() => decodeCommitRequest(raw), (e: unknown) => e instanceof CommitMessageError && why.test(e.message))
    assert.throws(() => decodeCommitReply({ type: 'failed', id: 1, full: 'yes', message: 'x' }), CommitMessageError)
    assert.throws(() => decodeCommitReply({ type: 'committed', id: 1, results: [{ reason: 'why', message: 'x' }] }), CommitMessageError)
    assert.deepEqual(decodeCommitReply({ type: 'committed', id: 2, results: [null] }), { type: 'committed', id: 2, results: [null] })
  })
})
