// Raw limit: a bare RTCDataChannel between two pages (two contexts, two renderers), 64 KiB sends
// with bufferedAmount flow control; signalled through Node, host candidates only.
import { closeAll, launchBrowser, memoryPeer, type Peer } from '../lib/browser'
import { withTimeout, type Ctx } from '../lib/context'
import { MiB, mbps } from '../lib/env'

export async function raw(ctx: Ctx): Promise<void> {
  const total = ctx.mb * MiB
  const browser = await launchBrowser()
  let a: Peer | undefined
  let b: Peer | undefined
  try {
    a = await memoryPeer(browser, 'raw-sender', `${ctx.staticUrl}raw.html`)
    b = await memoryPeer(browser, 'raw-receiver', `${ctx.staticUrl}raw.html`)
    await a.page.waitForFunction(() => typeof (window as any).rawOffer === 'function')
    await b.page.waitForFunction(() => typeof (window as any).rawAnswer === 'function')
    const offer = await a.page.evaluate(() => (window as any).rawOffer())
    const answer = await b.page.evaluate((o) => (window as any).rawAnswer(o), offer)
    await a.page.evaluate((ans) => (window as any).rawAccept(ans), answer)
    await b.page.evaluate(() => (window as any).rawReady)
    for (const [size, key] of [[64 * 1024, 'raw.mbps']] as const) {
      const ms = await withTimeout(
        a.page.evaluate(([t, s]) => (window as any).rawSend(t, s, 1 * 1024 * 1024, 4 * 1024 * 1024), [total, size] as const),
        120_000 + total / 1000,
        'raw data channel',
      )
      ctx.results[key] = mbps(total, ms)
      ctx.results['raw.ms'] = ms
      console.log(`  raw data channel, ${size / 1024} KiB sends: ${ctx.mb} MiB in ${(ms / 1000).toFixed(2)} s = ${mbps(total, ms).toFixed(1)} MB/s`)
    }
    await a.page.evaluate(() => (window as any).rawClose())
  } finally {
    await closeAll([a, b])
    await browser.close()
  }
}
