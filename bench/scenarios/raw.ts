// Raw limit: a bare RTCDataChannel between two pages, 64 KiB sends with bufferedAmount flow
// control, signalled through Node, host candidates only. Measured two ways:
//   raw.*  — the two pages in one browser (two contexts): the "between two pages";
//   raw2.* — each page in its own browser with an on-disk profile, as the Tabswarm and WebTorrent
//            peers run (their storage needs separate profiles); its CPU cost is measured too.
import { closeAll, launchBrowser, memoryPeer, peerBrowserPid, persistentPeer, type Peer } from '../lib/browser'
import { withTimeout, type Ctx } from '../lib/context'
import { formatCpu, probeBrowserCpu } from '../lib/cpu'
import { MiB, mbps } from '../lib/env'

const LOW_WATER = 1 * MiB
const HIGH_WATER = 4 * MiB
const MESSAGE = 64 * 1024

async function transfer(a: Peer, b: Peer, total: number): Promise<number> {
  await a.page.waitForFunction(() => typeof (window as any).rawOffer === 'function')
  await b.page.waitForFunction(() => typeof (window as any).rawAnswer === 'function')
  const offer = await a.page.evaluate(() => (window as any).rawOffer())
  const answer = await b.page.evaluate((o) => (window as any).rawAnswer(o), offer)
  await a.page.evaluate((ans) => (window as any).rawAccept(ans), answer)
  await b.page.evaluate(() => (window as any).rawReady)
  const ms = await withTimeout(
    a.page.evaluate(([t, s, lo, hi]) => (window as any).rawSend(t, s, lo, hi), [total, MESSAGE, LOW_WATER, HIGH_WATER] as const),
    120_000 + total / 1000,
    'raw data channel',
  )
  await a.page.evaluate(() => (window as any).rawClose())
  return ms
}

export async function raw(ctx: Ctx): Promise<void> {
  const total = ctx.mb * MiB
  // One browser, two contexts.
  const browser = await launchBrowser()
  try {
    const a = await memoryPeer(browser, 'raw-sender', `${ctx.staticUrl}raw.html`)
    const b = await memoryPeer(browser, 'raw-receiver', `${ctx.staticUrl}raw.html`)
    const ms = await transfer(a, b, total)
    ctx.results['raw.mbps'] = mbps(total, ms)
    ctx.results['raw.ms'] = ms
    console.log(`  raw data channel, one browser: ${ctx.mb} MiB in ${(ms / 1000).toFixed(2)} s = ${mbps(total, ms).toFixed(1)} MB/s`)
  } finally {
    await browser.close()
  }
  // Two browsers, on-disk profiles, as the peers of the other scenarios.
  let a: Peer | undefined
  let b: Peer | undefined
  try {
    a = await persistentPeer('raw2-sender', await ctx.tmp.profile('raw2-sender'), `${ctx.staticUrl}raw.html`)
    b = await persistentPeer('raw2-receiver', await ctx.tmp.profile('raw2-receiver'), `${ctx.staticUrl}raw.html`)
    const acpu = probeBrowserCpu(peerBrowserPid(a))
    const bcpu = probeBrowserCpu(peerBrowserPid(b))
    const ms = await transfer(a, b, total)
    const ac = acpu.stop()
    const bc = bcpu.stop()
    ctx.results['raw2.mbps'] = mbps(total, ms)
    ctx.results['raw2.ms'] = ms
    ctx.results['raw.cpuPer100MB'] = ((ac.totalS + bc.totalS) / (total / 1e6)) * 100
    console.log(`  raw data channel, two browsers: ${ctx.mb} MiB in ${(ms / 1000).toFixed(2)} s = ${mbps(total, ms).toFixed(1)} MB/s`)
    ctx.notes.push(formatCpu('Raw data channel (two browsers) receiver browser', bc))
    ctx.notes.push(formatCpu('Raw data channel (two browsers) sender browser', ac))
  } finally {
    await closeAll([a, b])
  }
}
