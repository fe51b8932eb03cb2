// Raw limit: a bare RTCDataChannel between two pages, 64 KiB sends with bufferedAmount flow
// control, signalled through Node, host candidates only. Measured two ways:
//   raw.*  — both pages in one browser, two origins (the "between two pages", and the
//            topology of the WebTorrent and Tabswarm 1→1 figures); its CPU cost is measured too;
//   raw2.* — each page in its own browser (round 1 only, for comparison: on one 2-core machine
//            two browsers cost far more CPU per byte, two network service processes and all).
import { closeAll, persistentPeer, sharedBrowser, type Peer } from '../lib/browser'
import { withTimeout, type Ctx } from '../lib/context'
import { formatCpu, probeBrowserCpu } from '../lib/cpu'
import { MiB, mbps } from '../lib/env'

export const LOW_WATER = 1 * MiB
export const HIGH_WATER = 4 * MiB
export const MESSAGE = 64 * 1024

/** Signals one connection `id` from page a (offerer, sender) to page b (answerer, receiver) through Node. */
export async function connect(a: Peer, b: Peer, id: string): Promise<void> {
  await a.page.waitForFunction(() => typeof (window as any).rawOffer === 'function')
  await b.page.waitForFunction(() => typeof (window as any).rawAnswer === 'function')
  const offer = await a.page.evaluate((i) => (window as any).rawOffer(i), id)
  const answer = await b.page.evaluate(([o, i]) => (window as any).rawAnswer(o, i), [offer, id] as const)
  await a.page.evaluate(([ans, i]) => (window as any).rawAccept(ans, i), [answer, id] as const)
  await b.page.evaluate((i) => (window as any).rawOpened(i), id)
}

async function transfer(a: Peer, b: Peer, total: number): Promise<number> {
  await connect(a, b, 'raw')
  const ms = await withTimeout(
    a.page.evaluate(([t, s, lo, hi]) => (window as any).rawSend(t, s, lo, hi, 'raw'), [total, MESSAGE, LOW_WATER, HIGH_WATER] as const),
    120_000 + total / 1000,
    'raw data channel',
  )
  await a.page.evaluate(() => (window as any).rawClose())
  return ms
}

export async function raw(ctx: Ctx): Promise<void> {
  const total = ctx.mb * MiB
  const url = `${ctx.staticUrl}raw.html`
  const shared = await sharedBrowser(await ctx.tmp.profile('raw'))
  try {
    const a = await shared.peer('raw-sender', url)
    const b = await shared.peer('raw-receiver', url)
    const cpu = probeBrowserCpu(shared.pid)
    const ms = await transfer(a, b, total)
    const c = cpu.stop()
    ctx.results['raw.mbps'] = mbps(total, ms)
    ctx.results['raw.ms'] = ms
    ctx.results['raw.cpuPer100MB'] = (c.totalS / (total / 1e6)) * 100
    ctx.results['raw.cores'] = c.totalS / c.wallS
    console.log(`  raw data channel, one browser: ${ctx.mb} MiB in ${(ms / 1000).toFixed(2)} s = ${mbps(total, ms).toFixed(1)} MB/s`)
    ctx.notes.push(formatCpu('Raw data channel, both pages in one browser', c))
  } finally {
    await shared.close()
  }
  if (ctx.round > 1) return
  let a: Peer | undefined
  let b: Peer | undefined
  try {
    a = await persistentPeer('raw2-sender', await ctx.tmp.profile('raw2-sender'), url)
    b = await persistentPeer('raw2-receiver', await ctx.tmp.profile('raw2-receiver'), url)
    const ms = await transfer(a, b, total)
    ctx.results['raw2.mbps'] = mbps(total, ms)
    ctx.results['raw2.ms'] = ms
    console.log(`  raw data channel, two browsers: ${ctx.mb} MiB in ${(ms / 1000).toFixed(2)} s = ${mbps(total, ms).toFixed(1)} MB/s`)
  } finally {
    await closeAll([a, b])
  }
}
