// WebTorrent reference: the webtorrent package's browser bundle, its default store (OPFS) in an
// on-disk profile, bittorrent-tracker as tracker. Seeder: client.seed(file); leecher:
// client.add(magnet), timed to 'done'. The peers are tabs of one browser with origins of their
// own (see sharedBrowser), as the Tabswarm 1→1 and the raw channel are measured.
import { dumpLogs, formatChannelStats, sharedBrowser, takeChannelStats, type Peer, type SharedBrowser } from '../lib/browser'
import { transferTimeoutMs, withTimeout, type Ctx } from '../lib/context'
import { formatCpu, probeBrowserCpu } from '../lib/cpu'
import { MiB, SWARM_LEECHERS, mbps } from '../lib/env'
import { startWtTracker } from '../lib/wt-tracker'

interface SeedOut {
  ms: number
  magnet: string
  infoHash: string
  pieceLength: number
  pieces: number
}
interface AddOut {
  ms: number
  phases: Record<string, number>
  length: number
  peers: number
}

export async function wtSeedPeer(ctx: Ctx, browser: SharedBrowser, file: string, wsUrl: string, name: string): Promise<{ peer: Peer; seed: SeedOut }> {
  const peer = await browser.peer(name, `${ctx.staticUrl}webtorrent.html`)
  await peer.page.waitForFunction(() => typeof (window as any).wtSeed === 'function')
  await peer.page.locator('#file').setInputFiles(file)
  const seed = await withTimeout(
    peer.page.evaluate((u) => (window as any).wtSeed(u), wsUrl) as Promise<SeedOut>,
    transferTimeoutMs(ctx.mb * MiB),
    'WebTorrent seed()',
  )
  return { peer, seed }
}

export async function wtLeechPeer(ctx: Ctx, browser: SharedBrowser, name: string): Promise<Peer> {
  const peer = await browser.peer(name, `${ctx.staticUrl}webtorrent.html`)
  await peer.page.waitForFunction(() => typeof (window as any).wtAdd === 'function')
  return peer
}

export function wtAdd(peer: Peer, magnet: string, wsUrl: string, bytes: number): Promise<AddOut> {
  return withTimeout(
    peer.page.evaluate(([m, u]) => (window as any).wtAdd(m, u), [magnet, wsUrl] as const) as Promise<AddOut>,
    transferTimeoutMs(bytes),
    'WebTorrent download',
  )
}

async function withWebTorrent(ctx: Ctx, name: string, fn: (browser: SharedBrowser, wsUrl: string, peers: Peer[]) => Promise<void>): Promise<void> {
  const tracker = await startWtTracker()
  const browser = await sharedBrowser(await ctx.tmp.profile(name))
  const peers: Peer[] = []
  try {
    await fn(browser, tracker.wsUrl, peers)
  } catch (err) {
    console.error(dumpLogs(peers))
    throw err
  } finally {
    await browser.close()
    await tracker.close()
  }
}

export async function webtorrent(ctx: Ctx): Promise<void> {
  const size = ctx.mb * MiB
  const file = await ctx.tmp.file(ctx.mb)
  await withWebTorrent(ctx, 'wt', async (browser, wsUrl, peers) => {
    const { peer: seeder, seed } = await wtSeedPeer(ctx, browser, file, wsUrl, 'wt-seeder')
    peers.push(seeder)
    ctx.results['wt.seedMs'] = seed.ms
    console.log(`  WebTorrent seed(): ${(seed.ms / 1000).toFixed(2)} s (${seed.pieces} pieces of ${seed.pieceLength / 1024} KiB)`)
    const leecher = await wtLeechPeer(ctx, browser, 'wt-leecher')
    peers.push(leecher)
    const cpu = probeBrowserCpu(browser.pid)
    await takeChannelStats(seeder.page)
    const out = await wtAdd(leecher, seed.magnet, wsUrl, size)
    const c = cpu.stop()
    ctx.notes.push(
      `WebTorrent 1→1 data channel use: ${formatChannelStats('seeder', await takeChannelStats(seeder.page))}; ` +
        `${formatChannelStats('leecher', await takeChannelStats(leecher.page))}`,
    )
    ctx.results['wt.ms'] = out.ms
    ctx.results['wt.mbps'] = mbps(size, out.ms)
    ctx.results['wt.cpuPer100MB'] = (c.totalS / (size / 1e6)) * 100
    ctx.results['wt.cores'] = c.totalS / c.wallS
    const ph = Object.entries(out.phases).map(([k, v]) => `${k} @${(v / 1000).toFixed(2)} s`).join(' → ')
    console.log(`  WebTorrent 1→1: ${(out.ms / 1000).toFixed(2)} s = ${mbps(size, out.ms).toFixed(1)} MB/s (${ph})`)
    ctx.notes.push(`WebTorrent leecher phases: ${ph}`)
    ctx.notes.push(formatCpu('WebTorrent 1→1 browser (both tabs)', c))
  })
}

/** Seeding alone, when the 1→1 scenario did not run. */
export async function webtorrentSeedOnly(ctx: Ctx): Promise<void> {
  await withWebTorrent(ctx, 'wt-seed', async (browser, wsUrl, peers) => {
    const { peer, seed } = await wtSeedPeer(ctx, browser, await ctx.tmp.file(ctx.mb), wsUrl, 'wt-seeder')
    peers.push(peer)
    ctx.results['wt.seedMs'] = seed.ms
    console.log(`  WebTorrent seed(): ${(seed.ms / 1000).toFixed(2)} s`)
  })
}

/**
 * WebTorrent one seeder to SWARM_LEECHERS leechers in one browser, the reference for the swarm
 * ratio (the issue quotes WebTorrent 1→3 at 2.75× its 1→1 time).
 */
export async function webtorrentSwarm(ctx: Ctx): Promise<void> {
  const size = ctx.mb * MiB
  await withWebTorrent(ctx, 'wt-swarm', async (browser, wsUrl, peers) => {
    const { peer: seeder, seed } = await wtSeedPeer(ctx, browser, await ctx.tmp.file(ctx.mb), wsUrl, 'wt-swarm-seeder')
    peers.push(seeder)
    const leechers: Peer[] = []
    for (let i = 1; i <= SWARM_LEECHERS; i++) leechers.push(await wtLeechPeer(ctx, browser, `wt-swarm-leecher-${i}`))
    peers.push(...leechers)
    const t0 = Date.now()
    const outs = await Promise.all(leechers.map((l) => wtAdd(l, seed.magnet, wsUrl, size * SWARM_LEECHERS)))
    const ms = Date.now() - t0
    ctx.results['wtswarm.ms'] = ms
    const each = outs.map((o) => `${(o.ms / 1000).toFixed(1)} s`).join(', ')
    const vs = ctx.results['wt.ms'] ? ` = ${(ms / ctx.results['wt.ms']).toFixed(2)}× its 1→1 time` : ''
    console.log(`  WebTorrent 1→${SWARM_LEECHERS}: all done in ${(ms / 1000).toFixed(2)} s${vs} (each: ${each})`)
    ctx.notes.push(`WebTorrent 1→${SWARM_LEECHERS}: all done in ${(ms / 1000).toFixed(2)} s${vs}; each ${each}`)
  })
}
