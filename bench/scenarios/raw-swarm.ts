// Raw limit of a 1→N swarm: the bare RTCDataChannel of the raw scenario, one sender page sending
// the whole file to each of N receiver pages at once (N connections, one channel each, the same
// 64 KiB sends and bufferedAmount flow control per channel), timed until every receiver has
// acknowledged its last byte. All pages are tabs of one browser, as in the raw 1→1.
//
// It measures, with no client in the way, the bound BENCHMARKS.md argues for the Tabswarm 1→N:
// N times the bytes cross the same cores, so on a machine the 1→1 already fills, a 1→N cannot
// finish in much less than N× the 1→1 time whatever the client does.
import { sharedBrowser, type Peer } from '../lib/browser'
import { withTimeout, type Ctx } from '../lib/context'
import { formatCpu, probeBrowserCpu } from '../lib/cpu'
import { MiB, SWARM_LEECHERS, mbps } from '../lib/env'
import { HIGH_WATER, LOW_WATER, MESSAGE, connect } from './raw'

export async function rawSwarm(ctx: Ctx): Promise<void> {
  const total = ctx.mb * MiB
  const n = SWARM_LEECHERS
  const url = `${ctx.staticUrl}raw.html`
  const shared = await sharedBrowser(await ctx.tmp.profile('raw-swarm'))
  try {
    const sender = await shared.peer('raw-swarm-sender', url)
    const receivers: Peer[] = []
    for (let i = 1; i <= n; i++) receivers.push(await shared.peer(`raw-swarm-receiver-${i}`, url))
    // Connections are set up one after the other (signalling is not timed), then all N sends
    // start at one instant inside the sender page.
    const ids = receivers.map((_, i) => `rx${i + 1}`)
    for (let i = 0; i < n; i++) await connect(sender, receivers[i]!, ids[i]!)
    const cpu = probeBrowserCpu(shared.pid)
    const { ms, each } = await withTimeout(
      sender.page.evaluate(
        ([is, t, s, lo, hi]) => (window as any).rawSendMany(is, t, s, lo, hi) as Promise<{ ms: number; each: number[] }>,
        [ids, total, MESSAGE, LOW_WATER, HIGH_WATER] as const,
      ),
      // the raw 1→1's limit (two minutes plus the size at 1 MB/s), for N times the bytes
      120_000 + (n * total) / 1000,
      `raw data channel 1→${n}`,
    )
    const c = cpu.stop()
    await sender.page.evaluate(() => (window as any).rawClose())
    ctx.results['rawswarm.ms'] = ms
    ctx.results['rawswarm.aggMbps'] = mbps(n * total, ms)
    ctx.results['rawswarm.cpuPer100MB'] = (c.totalS / ((n * total) / 1e6)) * 100
    ctx.results['rawswarm.cores'] = c.totalS / c.wallS
    const times = each.map((x) => `${(x / 1000).toFixed(2)} s`).join(', ')
    const vs1 = ctx.results['raw.ms'] !== undefined ? ` = ${(ms / ctx.results['raw.ms']).toFixed(2)}× the raw 1→1 time` : ''
    console.log(
      `  raw data channel 1→${n}, one browser: ${ctx.mb} MiB to each in ${(ms / 1000).toFixed(2)} s${vs1} ` +
        `(${mbps(n * total, ms).toFixed(1)} MB/s in total; receivers done at ${times})`,
    )
    ctx.notes.push(`Raw data channel 1→${n}: receivers done at ${times} after the first send`)
    ctx.notes.push(formatCpu(`Raw data channel 1→${n}, the browser of all ${n + 1} tabs`, c))
  } finally {
    await shared.close()
  }
}
