// WebTorrent reference: the webtorrent package's browser bundle in two browsers with on-disk
// profiles (its default store, OPFS), bittorrent-tracker as tracker. Seeder: client.seed(file);
// leecher: client.add(magnet), timed to 'done'.
import { closeAll, dumpLogs, formatChannelStats, peerBrowserPid, persistentPeer, takeChannelStats, type Peer } from '../lib/browser'
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

export async function wtSeedPeer(ctx: Ctx, file: string, wsUrl: string, name: string): Promise<{ peer: Peer; seed: SeedOut }> {
  const peer = await persistentPeer(name, await ctx.tmp.profile(name), `${ctx.staticUrl}webtorrent.html`)
  await peer.page.waitForFunction(() => typeof (window as any).wtSeed === 'function')
  await peer.page.locator('#file').setInputFiles(file)
  const size = ctx.mb * MiB
  const seed = await withTimeout(
    peer.page.evaluate((u) => (window as any).wtSeed(u), wsUrl) as Promise<SeedOut>,
    transferTimeoutMs(size),
    'WebTorrent seed()',
  )
  return { peer, seed }
}

export async function wtLeechPeer(ctx: Ctx, name: string): Promise<Peer> {
  const peer = await persistentPeer(name, await ctx.tmp.profile(name), `${ctx.staticUrl}webtorrent.html`)
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

export async function webtorrent(ctx: Ctx): Promise<void> {
  const size = ctx.mb * MiB
  const file = await ctx.tmp.file(ctx.mb)
  const tracker = await startWtTracker()
  const peers: Peer[] = []
  try {
    const { peer: seeder, seed } = await wtSeedPeer(ctx, file, tracker.wsUrl, 'wt-seeder')
    peers.push(seeder)
    ctx.results['wt.seedMs'] = seed.ms
    console.log(`  WebTorrent seed(): ${(seed.ms / 1000).toFixed(2)} s (${seed.pieces} pieces of ${seed.pieceLength / 1024} KiB)`)
    const leecher = await wtLeechPeer(ctx, 'wt-leecher')
    peers.push(leecher)
    const cpu = probeBrowserCpu(peerBrowserPid(leecher))
    const seederCpu = probeBrowserCpu(peerBrowserPid(seeder))
    await takeChannelStats(seeder.page)
    const out = await wtAdd(leecher, seed.magnet, tracker.wsUrl, size)
    ctx.notes.push(
      `WebTorrent 1→1 data channel use: ${formatChannelStats('seeder', await takeChannelStats(seeder.page))}; ` +
        `${formatChannelStats('leecher', await takeChannelStats(leecher.page))}`,
    )
    const lc = cpu.stop()
    const sc = seederCpu.stop()
    ctx.results['wt.ms'] = out.ms
    ctx.results['wt.mbps'] = mbps(size, out.ms)
    ctx.results['wt.cpuPer100MB'] = ((lc.totalS + sc.totalS) / (size / 1e6)) * 100
    const ph = Object.entries(out.phases).map(([k, v]) => `${k} @${(v / 1000).toFixed(2)} s`).join(' → ')
    console.log(`  WebTorrent 1→1: ${(out.ms / 1000).toFixed(2)} s = ${mbps(size, out.ms).toFixed(1)} MB/s (${ph})`)
    ctx.notes.push(`WebTorrent leecher phases: ${ph}`)
    ctx.notes.push(formatCpu('WebTorrent leecher browser', lc))
    ctx.notes.push(formatCpu('WebTorrent seeder browser', sc))
  } catch (err) {
    console.error(dumpLogs(peers))
    throw err
  } finally {
    await closeAll(peers)
    await tracker.close()
  }
}


/**
 * Diagnostic (not in the default set): WebTorrent one seeder to SWARM_LEECHERS leechers, the
 * reference for the swarm figure (the issue measured WebTorrent 1→3 at 2.75× its 1→1 time).
 */
export async function webtorrentSwarm(ctx: Ctx): Promise<void> {
  const size = ctx.mb * MiB
  const tracker = await startWtTracker()
  const peers: Peer[] = []
  try {
    const { peer: seeder, seed } = await wtSeedPeer(ctx, await ctx.tmp.file(ctx.mb), tracker.wsUrl, 'wt-swarm-seeder')
    peers.push(seeder)
    const leechers: Peer[] = []
    for (let i = 1; i <= SWARM_LEECHERS; i++) leechers.push(await wtLeechPeer(ctx, `wt-swarm-leecher-${i}`))
    peers.push(...leechers)
    const t0 = Date.now()
    const outs = await Promise.all(leechers.map((l) => wtAdd(l, seed.magnet, tracker.wsUrl, size * SWARM_LEECHERS)))
    const ms = Date.now() - t0
    ctx.results['wtswarm.ms'] = ms
    const each = outs.map((o) => `${(o.ms / 1000).toFixed(1)} s`).join(', ')
    const vs = ctx.results['wt.ms'] ? ` = ${(ms / ctx.results['wt.ms']).toFixed(2)}× its 1→1 time` : ''
    console.log(`  WebTorrent 1→${SWARM_LEECHERS}: all done in ${(ms / 1000).toFixed(2)} s${vs} (each: ${each})`)
    ctx.notes.push(`WebTorrent 1→${SWARM_LEECHERS} (diagnostic): all done in ${(ms / 1000).toFixed(2)} s${vs}; each ${each}`)
  } catch (err) {
    console.error(dumpLogs(peers))
    throw err
  } finally {
    await closeAll(peers)
    await tracker.close()
  }
}
