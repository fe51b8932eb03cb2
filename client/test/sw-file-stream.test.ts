// The service worker's response body for a /stream/ request (sw/file-stream.ts), against a fake
// IndexedDB view and a fake runner tab: where each piece comes from, and in which order.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { TorrentFile } from '../../shared/torrent'
import { fileStream } from '../src/sw/file-stream'
import { StreamFailed, type Runners } from '../src/sw/runners'
import type { StoredTorrents } from '../src/sw/stored'

const PL = 64 * 1024
const IH = 'e'.repeat(40)
const file: TorrentFile = { path: ['clip.mp4'], length: 4 * PL, offset: 0 } as unknown as TorrentFile
const pieceBytes = (i: number): Uint8Array => new Uint8Array(PL).fill(i + 1)

/** A runner tab that sends pieces when the test says so. */
class FakeRunners {
  sent = new Map<number, Uint8Array>()
  needs: (number | null)[] = []
  failWith: string | null = null
  private wakers = new Set<() => void>()
  need(m: { piece: number | null }): void {
    this.needs.push(m.piece)
  }
  release(): void {}
  bitrate(): number | null {
    return null
  }
  recent(_ih: string, piece: number): Uint8Array | null {
    return this.sent.get(piece) ?? null
  }
  wait(_ih: string, piece: number, _id: string, ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.sent.has(piece)) return resolve()
      if (this.failWith) return reject(new StreamFailed(this.failWith))
      const timer = setTimeout(done, ms)
      function done(): void {
        clearTimeout(timer)
        resolve()
      }
      this.wakers.add(done)
      signal.addEventListener('abort', () => {
        clearTimeout(timer)
        reject(new DOMException('cancelled', 'AbortError'))
      })
    })
  }
  send(piece: number): void {
    this.sent.set(piece, pieceBytes(piece))
    for (const w of [...this.wakers]) w()
    this.wakers.clear()
  }
}

/** IndexedDB with `stored` pieces, each read answering after `readMs`. */
function fakeStored(stored: Set<number>, readMs: number): StoredTorrents & { readsDone: number } {
  const view = {
    readsDone: 0,
    async pieces(_ih: string, from: number, count: number): Promise<Map<number, Uint8Array>> {
      await new Promise((r) => setTimeout(r, readMs))
      view.readsDone++
      const out = new Map<number, Uint8Array>()
      for (let i = from; i < from + count; i++) if (stored.has(i)) out.set(i, pieceBytes(i))
      return out
    },
    async piece(_ih: string, i: number): Promise<Uint8Array | null> {
      return stored.has(i) ? pieceBytes(i) : null
    },
    async torrent(): Promise<object> {
      return {}
    },
  }
  return view as unknown as StoredTorrents & { readsDone: number }
}

function open(runners: FakeRunners, stored: StoredTorrents, start: number, end: number) {
  const signal = new AbortController()
  const { body } = fileStream({
    id: 'r-1', infoHash: IH, fileIndex: 0, file, pieceLength: PL, runners: runners as unknown as Runners,
    start, end, stored, signal: signal.signal,
  })
  return { reader: body.getReader(), cancel: () => signal.abort() }
}

test('a piece the runner sends while the IndexedDB read is still out is served at once, not after the read', async () => {
  const runners = new FakeRunners()
  const stored = fakeStored(new Set(), 1000)
  const { reader } = open(runners, stored, 0, PL - 1)
  const chunk = reader.read()
  await new Promise((r) => setTimeout(r, 20))
  assert.deepEqual(runners.needs, [0], 'the runner was asked before anything was read')
  runners.send(0)
  const { value } = await chunk
  assert.equal(stored.readsDone, 0, 'served before the read answered')
  assert.deepEqual(value, pieceBytes(0))
  await reader.cancel()
})

test('a stored piece comes from the read when the runner sends nothing, and later pieces from the same batch', async () => {
  const runners = new FakeRunners()
  const stored = fakeStored(new Set([1, 2]), 5)
  const { reader } = open(runners, stored, PL + 10, 3 * PL - 1)
  const first = await reader.read()
  assert.deepEqual(first.value, pieceBytes(1).subarray(10))
  const second = await reader.read()
  assert.deepEqual(second.value, pieceBytes(2))
  assert.equal(stored.readsDone, 1, 'one batch read served both')
  assert.ok((await reader.read()).done)
})

test("the runner's failure ends the response with its message", async () => {
  const runners = new FakeRunners()
  runners.failWith = 'This torrent was removed'
  const { reader } = open(runners, fakeStored(new Set(), 1000), 0, PL - 1)
  await assert.rejects(reader.read(), (err: unknown) => err instanceof StreamFailed && /removed/.test(err.message))
})

test('a response sent before the torrent was looked up ends with "removed" once it turns out to be gone', async () => {
  const runners = new FakeRunners()
  runners.send(0)
  let gone!: (v: boolean) => void
  const signal = new AbortController()
  const { body } = fileStream({
    id: 'r-2', infoHash: IH, fileIndex: 0, file, pieceLength: PL, runners: runners as unknown as Runners,
    start: 0, end: 2 * PL - 1, stored: fakeStored(new Set(), 1000), signal: signal.signal,
    removed: new Promise<boolean>((r) => (gone = r)),
  })
  const reader = body.getReader()
  assert.deepEqual((await reader.read()).value, pieceBytes(0), 'what the runner pushed is served at once')
  const next = reader.read() // waits for piece 1, which never comes
  gone(true)
  await assert.rejects(next, (err: unknown) => err instanceof StreamFailed && /removed while it was playing/.test(err.message))
})

test('a response whose torrent is still there is unaffected by the lookup', async () => {
  const runners = new FakeRunners()
  const signal = new AbortController()
  const { body } = fileStream({
    id: 'r-3', infoHash: IH, fileIndex: 0, file, pieceLength: PL, runners: runners as unknown as Runners,
    start: 0, end: 2 * PL - 1, stored: fakeStored(new Set(), 1000), signal: signal.signal,
    removed: Promise.resolve(false),
  })
  const reader = body.getReader()
  runners.send(0)
  runners.send(1)
  assert.deepEqual((await reader.read()).value, pieceBytes(0))
  assert.deepEqual((await reader.read()).value, pieceBytes(1))
  assert.ok((await reader.read()).done)
})
