// Raw limit: a bare RTCDataChannel between two pages, each in its own browser as the Tabswarm
// and WebTorrent peers are; 64 KiB sends with bufferedAmount flow control; signalled through
// Node; host candidates only.
import { closeAll, peerBrowserPid, persistentPeer, type Peer } from '../lib/browser'
import { withTimeout, type Ctx } from '../lib/context'
import { formatCpu, probeBrowserCpu } from '../lib/cpu'
import { MiB, mbps } from '../lib/env'

const LOW_WATER = 1 * MiB
const HIGH_WATER = 4 * MiB

export async function raw(ctx: Ctx): Promise<void> {
  const total = ctx.mb * MiB
  let a: Peer | undefined
  let b: Peer | undefined
  try {
    a = await persistentPeer('raw-sender', await ctx.tmp.profile('raw-sender'), `${ctx.staticUrl}raw.html`)
    b = await persistentPeer('raw-receiver', await ctx.tmp.profile('raw-receiver'), `${ctx.staticUrl}raw.html`)
    await a.page.waitForFunction(() => typeof (window as any).rawOffer === 'function')
    await b.page.waitForFunction(() => typeof (window as any).rawAnswer === 'function')
    const offer = await a.page.evaluate(() => (window as any).rawOffer())
    const answer = await b.page.evaluate((o) => (window as any).rawAnswer(o), offer)
    await a.page.evaluate((ans) => (window as any).rawAccept(ans), answer)
    await b.page.evaluate(() => (window as any).rawReady)
    const size = 64 * 1024
    const acpu = probeBrowserCpu(peerBrowserPid(a))
    const bcpu = probeBrowserCpu(peerBrowserPid(b))
    const ms = await withTimeout(
      a.page.evaluate(([t, s, lo, hi]) => (window as any).rawSend(t, s, lo, hi), [total, size, LOW_WATER, HIGH_WATER] as const),
      120_000 + total / 1000,
      'raw data channel',
    )
    const ac = acpu.stop()
    const bc = bcpu.stop()
    ctx.results['raw.mbps'] = mbps(total, ms)
    ctx.results['raw.ms'] = ms
    ctx.results['raw.cpuPer100MB'] = ((ac.totalS + bc.totalS) / (total / 1e6)) * 100
    console.log(`  raw data channel, ${size / 1024} KiB sends: ${ctx.mb} MiB in ${(ms / 1000).toFixed(2)} s = ${mbps(total, ms).toFixed(1)} MB/s`)
    ctx.notes.push(formatCpu('Raw data channel receiver browser', bc))
    ctx.notes.push(formatCpu('Raw data channel sender browser', ac))
    await a.page.evaluate(() => (window as any).rawClose())
  } finally {
    await closeAll([a, b])
  }
}
