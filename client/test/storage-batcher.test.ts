import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { WriteBatcher, type CommitFn, type PieceWrite } from '../src/lib/storage/write-batcher'

const H = 'aa'.repeat(20)
const w = (index: number, bitfield: number[] | null = null, infoHash = H): PieceWrite => ({
  infoHash,
  index,
  data: new Uint8Array([index]),
  bitfield: bitfield ? new Uint8Array(bitfield) : null,
})

interface Call {
  indexes: number[]
  bitfields: Map<string, number[]>
}

/** A fake store: records calls; `fail` decides per call whether the whole batch fails. */
function fakeCommit(fail: (n: number) => boolean = () => false): { commit: CommitFn; calls: Call[] } {
  const calls: Call[] = []
  const commit: CommitFn = async (writes, bitfields) => {
    calls.push({ indexes: writes.map((x) => x.index), bitfields: new Map([...bitfields].map(([k, v]) => [k, [...v]])) })
    await new Promise((r) => setTimeout(r, 5))
    if (fail(calls.length)) throw new Error(`batch ${calls.length} failed`)
    return writes.map((x) => (x.infoHash === H ? null : new Error('unknown torrent')))
  }
  return { commit, calls }
}

describe('WriteBatcher', () => {
  it('flushes a lone write after a short timer', async () => {
    const { commit, calls } = fakeCommit()
    const b = new WriteBatcher(commit, 16)
    await b.write(w(0))
    assert.deepEqual(calls.map((c) => c.indexes), [[0]])
  })

  it('groups up to the batch size and keeps writes queued behind a running transaction', async () => {
    const { commit, calls } = fakeCommit()
    const b = new WriteBatcher(commit, 4)
    await Promise.all(Array.from({ length: 10 }, (_, i) => b.write(w(i))))
    assert.deepEqual(calls.map((c) => c.indexes), [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]])
  })

  it('serves queued bytes before they are committed', async () => {
    const { commit } = fakeCommit()
    const b = new WriteBatcher(commit, 16)
    const p = b.write(w(7))
    assert.deepEqual(b.pending(H, 7), new Uint8Array([7]))
    await p
    assert.equal(b.pending(H, 7), null)
  })

  it('saves the latest bitfield per torrent', async () => {
    const { commit, calls } = fakeCommit()
    const b = new WriteBatcher(commit, 16)
    await Promise.all([b.write(w(0, [0x80])), b.write(w(1, [0xc0])), b.write(w(2))])
    assert.deepEqual(calls[0]!.bitfields.get(H), [0xc0])
  })

  it('rejects a whole failed batch and clears its pieces from later bitfields', async () => {
    const { commit, calls } = fakeCommit((n) => n === 1)
    const b = new WriteBatcher(commit, 2)
    const results = await Promise.allSettled([b.write(w(0, [0x80])), b.write(w(1, [0xc0])), b.write(w(2, [0xe0]))])
    assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected', 'fulfilled'])
    // Pieces 0 and 1 were never stored: the third batch must not claim them.
    assert.deepEqual(calls[1]!.bitfields.get(H), [0x20])
    // Rewritten successfully, a piece may be claimed again.
    await b.write(w(0, [0xa0]))
    assert.deepEqual(calls[2]!.bitfields.get(H), [0xa0])
  })

  it('rejects only the writes the store refused', async () => {
    const { commit } = fakeCommit()
    const b = new WriteBatcher(commit, 16)
    const results = await Promise.allSettled([b.write(w(0)), b.write(w(1, null, 'bb'.repeat(20)))])
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected'])
  })

  it('drain waits for everything handed over', async () => {
    const { commit, calls } = fakeCommit()
    const b = new WriteBatcher(commit, 2)
    for (let i = 0; i < 5; i++) void b.write(w(i))
    await b.drain()
    assert.equal(calls.flatMap((c) => c.indexes).length, 5)
  })
})
