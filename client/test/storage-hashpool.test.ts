import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, it } from 'node:test'
import { HashPool, HashPoolError, type HashWorkerPort } from '../src/lib/hashing/pool'
import { HashMessageError, decodeHashReply, decodeHashRequest, type HashRequest } from '../src/lib/hashing/messages'

/** A worker stand-in answering in a later task, like a real one; `mode` scripts failures. */
class FakeWorker implements HashWorkerPort {
  onmessage: ((ev: MessageEvent) => void) | null = null
  onerror: ((ev: ErrorEvent) => void) | null = null
  onmessageerror: ((ev: MessageEvent) => void) | null = null
  terminated = false
  received: number[] = []
  constructor(private readonly mode: 'ok' | 'crash' | 'garbage' = 'ok') {}

  postMessage(message: HashRequest, _transfer: Transferable[]): void {
    const req = decodeHashRequest(message)
    this.received.push(req.id)
    setTimeout(() => {
      if (this.terminated) return
      if (this.mode === 'crash') {
        this.onerror?.({ message: 'boom', preventDefault() {} } as ErrorEvent)
        return
      }
      const data =
        this.mode === 'garbage'
          ? { type: 'digest', id: req.id, digest: new ArrayBuffer(3), buffer: req.buffer }
          : { type: 'digest', id: req.id, digest: createHash('sha1').update(new Uint8Array(req.buffer)).digest().buffer, buffer: req.buffer }
      this.onmessage?.({ data } as MessageEvent)
    }, 1)
  }

  terminate(): void {
    this.terminated = true
  }
}

const bytes = (s: string): ArrayBuffer => new TextEncoder().encode(s).buffer as ArrayBuffer
const sha1 = (s: string): Uint8Array => new Uint8Array(createHash('sha1').update(s).digest())

describe('HashPool', () => {
  it('hashes, hands the buffer back and verifies', async () => {
    const pool = new HashPool(2, () => new FakeWorker())
    const r = await pool.sha1(bytes('abc'))
    assert.deepEqual(r.digest, sha1('abc'))
    assert.equal(new TextDecoder().decode(r.buffer), 'abc')
    assert.equal((await pool.verify(bytes('abc'), sha1('abc'))).ok, true)
    assert.equal((await pool.verify(bytes('abd'), sha1('abc'))).ok, false)
    pool.destroy()
  })

  it('spreads jobs over workers, starting them lazily up to size', async () => {
    const workers: FakeWorker[] = []
    const pool = new HashPool(3, () => {
      const w = new FakeWorker()
      workers.push(w)
      return w
    })
    await pool.sha1(bytes('x'))
    assert.equal(workers.length, 1) // idle worker reused
    await Promise.all(Array.from({ length: 6 }, (_, i) => pool.sha1(bytes(String(i)))))
    assert.equal(workers.length, 3)
    assert.deepEqual(
      workers.map((w) => w.received.length),
      [3, 2, 2],
    )
    pool.destroy()
  })

  it('rejects the jobs of a crashed worker, replaces it, and gives up after repeated start failures', async () => {
    let n = 0
    const pool = new HashPool(1, () => new FakeWorker(n++ < 1 ? 'crash' : 'ok'))
    await assert.rejects(pool.sha1(bytes('a')), (e: unknown) => e instanceof HashPoolError && /Hash worker failed \(boom\)/.test(e.message))
    assert.deepEqual((await pool.sha1(bytes('a'))).digest, sha1('a'))
    const broken = new HashPool(1, () => new FakeWorker('crash'))
    for (let i = 0; i < 3; i++) await assert.rejects(broken.sha1(bytes('a')), /Hash worker failed/)
    await assert.rejects(broken.sha1(bytes('a')), /Hashing is unavailable/)
  })

  it('treats a malformed reply as a worker failure', async () => {
    const pool = new HashPool(1, () => new FakeWorker('garbage'))
    await assert.rejects(pool.sha1(bytes('a')), /digest has 3 bytes/)
    pool.destroy()
  })

  it('rejects pending jobs on destroy', async () => {
    const pool = new HashPool(1, () => new FakeWorker())
    const job = pool.sha1(bytes('a'))
    pool.destroy()
    await assert.rejects(job, /destroyed/)
    await assert.rejects(pool.sha1(bytes('a')), /destroyed/)
  })
})

describe('hash messages', () => {
  it('refuse malformed messages with a clear error', () => {
    assert.throws(() => decodeHashRequest({ type: 'md5', id: 1 }), HashMessageError)
    assert.throws(() => decodeHashRequest({ type: 'sha1', id: 1, buffer: 'x' }), /buffer is not an ArrayBuffer/)
    assert.throws(() => decodeHashReply(null), /not an object/)
    assert.deepEqual(decodeHashReply({ type: 'error', id: 2, message: 'm', buffer: null }), { type: 'error', id: 2, message: 'm', buffer: null })
  })
})
