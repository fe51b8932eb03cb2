// SHA-1 of `mb` 1 MiB pieces through the product's HashPool (one worker per core, transferable
// buffers) against one crypto.subtle.digest loop on the main thread over the same pieces.
import { HashPool } from '../../client/src/lib/hashing/pool'

const PIECE = 1024 * 1024

function makePieces(mb: number): ArrayBuffer[] {
  const pieces: ArrayBuffer[] = []
  for (let i = 0; i < mb; i++) {
    const buf = new Uint8Array(PIECE)
    for (let o = 0; o < PIECE; o += 65536) crypto.getRandomValues(buf.subarray(o, o + 65536))
    pieces.push(buf.buffer)
  }
  return pieces
}

function hex(d: ArrayBuffer | Uint8Array): string {
  return Array.from(d instanceof Uint8Array ? d : new Uint8Array(d), (b) => b.toString(16).padStart(2, '0')).join('')
}

async function mainLoop(pieces: ArrayBuffer[]): Promise<{ ms: number; first: string }> {
  const t0 = performance.now()
  let first = ''
  for (const p of pieces) {
    const d = await crypto.subtle.digest('SHA-1', p)
    if (!first) first = hex(d)
  }
  return { ms: performance.now() - t0, first }
}

/** All pieces through the pool, `window` jobs in flight; buffers come back into `pieces`. */
async function poolRun(pool: HashPool, pieces: ArrayBuffer[], window: number): Promise<{ ms: number; first: string }> {
  const t0 = performance.now()
  let next = 0
  let first = ''
  const lane = async () => {
    while (next < pieces.length) {
      const i = next++
      const { digest, buffer } = await pool.sha1(pieces[i]!)
      pieces[i] = buffer
      if (i === 0) first = hex(digest)
    }
  }
  await Promise.all(Array.from({ length: window }, lane))
  return { ms: performance.now() - t0, first }
}

async function hashBench(mb: number, rounds: number) {
  const pieces = makePieces(mb)
  const pool = new HashPool()
  const window = pool.size * 2
  // Warm-up: starts the workers and compiles both paths.
  const warm = makePieces(Math.min(16, mb))
  await poolRun(pool, warm, window)
  await mainLoop(warm)
  const poolMs: number[] = []
  const mainMs: number[] = []
  for (let r = 0; r < rounds; r++) {
    // Alternate the order so neither side always runs on a warmer machine.
    if (r % 2 === 0) {
      const a = await poolRun(pool, pieces, window)
      const b = await mainLoop(pieces)
      if (a.first !== b.first) throw new Error(`digests differ: pool ${a.first}, main ${b.first}`)
      poolMs.push(a.ms)
      mainMs.push(b.ms)
    } else {
      const b = await mainLoop(pieces)
      const a = await poolRun(pool, pieces, window)
      if (a.first !== b.first) throw new Error(`digests differ: pool ${a.first}, main ${b.first}`)
      poolMs.push(a.ms)
      mainMs.push(b.ms)
    }
  }
  pool.destroy()
  return { impl: 'client/src/lib/hashing/pool.ts (HashPool)', poolSize: pool.size, window, cores: navigator.hardwareConcurrency, poolMs, mainMs }
}

;(window as unknown as { hashBench: typeof hashBench }).hashBench = hashBench
