// Fallback when client/src/lib/hashing/pool.ts does not build: N module workers, transferables.
const PIECE = 1024 * 1024

class MiniPool {
  constructor(size) {
    this.size = size
    this.workers = Array.from({ length: size }, () => {
      const w = new Worker('/hash-worker.js', { type: 'module' })
      w.jobs = new Map()
      w.onmessage = (ev) => {
        const job = w.jobs.get(ev.data.id)
        w.jobs.delete(ev.data.id)
        job({ digest: new Uint8Array(ev.data.digest), buffer: ev.data.buffer })
      }
      return w
    })
    this.id = 0
  }
  sha1(buffer) {
    const w = this.workers.reduce((a, b) => (b.jobs.size < a.jobs.size ? b : a))
    const id = ++this.id
    return new Promise((resolve) => {
      w.jobs.set(id, resolve)
      w.postMessage({ id, buffer }, [buffer])
    })
  }
  destroy() {
    for (const w of this.workers) w.terminate()
  }
}

const hex = (d) => Array.from(new Uint8Array(d.buffer ?? d), (b) => b.toString(16).padStart(2, '0')).join('')

async function mainLoop(pieces) {
  const t0 = performance.now()
  let first = ''
  for (const p of pieces) {
    const d = await crypto.subtle.digest('SHA-1', p)
    if (!first) first = hex(d)
  }
  return { ms: performance.now() - t0, first }
}

async function poolRun(pool, pieces, window) {
  const t0 = performance.now()
  let next = 0
  let first = ''
  const lane = async () => {
    while (next < pieces.length) {
      const i = next++
      const { digest, buffer } = await pool.sha1(pieces[i])
      pieces[i] = buffer
      if (i === 0) first = hex(digest)
    }
  }
  await Promise.all(Array.from({ length: window }, lane))
  return { ms: performance.now() - t0, first }
}

window.hashBench = async (mb, rounds) => {
  const pieces = []
  for (let i = 0; i < mb; i++) {
    const buf = new Uint8Array(PIECE)
    for (let o = 0; o < PIECE; o += 65536) crypto.getRandomValues(buf.subarray(o, o + 65536))
    pieces.push(buf.buffer)
  }
  const pool = new MiniPool(Math.max(2, navigator.hardwareConcurrency || 2))
  const window = pool.size * 2
  const warm = pieces.slice(0, Math.min(16, mb)).map((b) => b.slice(0))
  await poolRun(pool, warm, window)
  await mainLoop(warm)
  const poolMs = []
  const mainMs = []
  for (let r = 0; r < rounds; r++) {
    const first = r % 2 === 0
    const a = first ? await poolRun(pool, pieces, window) : null
    const b = await mainLoop(pieces)
    const a2 = a ?? (await poolRun(pool, pieces, window))
    if (a2.first !== b.first) throw new Error('digests differ')
    poolMs.push(a2.ms)
    mainMs.push(b.ms)
  }
  pool.destroy()
  return { impl: "bench's own worker pool (fallback: HashPool did not build)", poolSize: pool.size, window, cores: navigator.hardwareConcurrency, poolMs, mainMs }
}
