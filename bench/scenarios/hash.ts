// Hashing: SHA-1 of BENCH_MB 1 MiB pieces through the product's HashPool (bundled by
// bench/hash-page/vite.config.ts) against one crypto.subtle.digest loop on the main thread.
import { closeAll, launchBrowser, memoryPeer, type Peer } from '../lib/browser'
import { withTimeout, type Ctx } from '../lib/context'
import { MiB, mbps } from '../lib/env'

const ROUNDS = 5

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

export async function hash(ctx: Ctx): Promise<void> {
  const browser = await launchBrowser()
  let peer: Peer | undefined
  try {
    peer = await memoryPeer(browser, 'hash', `${ctx.staticUrl}${ctx.hashPage}`)
    await peer.page.waitForFunction(() => typeof (window as any).hashBench === 'function', null, { timeout: 30_000 })
    const out = await withTimeout(
      peer.page.evaluate(([mb, r]) => (window as any).hashBench(mb, r), [ctx.mb, ROUNDS] as const) as Promise<{
        impl: string
        poolSize: number
        window: number
        cores: number
        poolMs: number[]
        mainMs: number[]
      }>,
      300_000,
      'hashing',
    )
    const bytes = ctx.mb * MiB
    const pool = median(out.poolMs)
    const main = median(out.mainMs)
    ctx.results['hash.poolMBps'] = mbps(bytes, pool)
    ctx.results['hash.mainMBps'] = mbps(bytes, main)
    ctx.facts['hash.impl'] = `${out.impl}, ${out.poolSize} workers (hardwareConcurrency ${out.cores}), ${out.window} pieces in flight, 1 MiB pieces, median of ${ROUNDS}`
    const r = (xs: number[]) => xs.map((x) => Math.round(x)).join('/')
    console.log(
      `  hashing ${ctx.mb} MiB: pool ${mbps(bytes, pool).toFixed(0)} MB/s (${r(out.poolMs)} ms), main-thread loop ${mbps(bytes, main).toFixed(0)} MB/s (${r(out.mainMs)} ms) — ${out.impl}`,
    )
  } finally {
    await closeAll([peer])
    await browser.close()
  }
}
