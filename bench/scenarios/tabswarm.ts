// Tabswarm scenarios through the page contract: one-to-one, one-to-many, seeding, and the
// leecher's renderer memory. Each peer is its own browser with an on-disk profile.
import { closeAll, dumpLogs, formatChannelStats, launchBrowser, memoryPeer, peerBrowserPid, persistentPeer, sampleRendererMemory, takeChannelStats, type Peer } from '../lib/browser'
import { STALL_MS, formatTimeline, transferTimeoutMs, type Ctx } from '../lib/context'
import { formatCpu, probeBrowserCpu } from '../lib/cpu'
import { MEMORY_MB, MiB, SWARM_LEECHERS, mbps } from '../lib/env'
import { prepareLeech, startLeech, startTabswarmTracker, tabswarmSeed, type SeedResult } from '../lib/tabswarm'
import { PROFILING, startProfile } from '../lib/profile'
import { waitAllDone } from '../lib/watch'

async function withSwarm<T>(ctx: Ctx, label: string, fn: (url: string, peers: Peer[]) => Promise<T>): Promise<T> {
  if (!ctx.appDir) throw new Error(`the app did not build: ${ctx.appError}`)
  const { tracker, url } = await startTabswarmTracker(ctx.appDir)
  const peers: Peer[] = []
  try {
    return await fn(url, peers)
  } catch (err) {
    console.error(`  ${label} failed; last console lines:\n${dumpLogs(peers)}`)
    throw err
  } finally {
    await closeAll(peers)
    await tracker.close()
  }
}

async function newPeer(ctx: Ctx, peers: Peer[], name: string, url: string): Promise<Peer> {
  const p = await persistentPeer(name, await ctx.tmp.profile(name), url)
  peers.push(p)
  return p
}

async function seedFile(ctx: Ctx, peers: Peer[], url: string, mb: number, name = 'ts-seeder'): Promise<{ seeder: Peer; seed: SeedResult }> {
  const file = await ctx.tmp.file(mb)
  const seeder = await newPeer(ctx, peers, name, url)
  const cpu = probeBrowserCpu(peerBrowserPid(seeder))
  const seed = await tabswarmSeed(seeder.page, file, transferTimeoutMs(mb * MiB))
  ctx.notes.push(`Tabswarm seeding ${mb} MiB: ${formatTimeline(seed.timeline)}`)
  ctx.notes.push(formatCpu(`Tabswarm seeder browser while seeding ${mb} MiB`, cpu.stop()))
  console.log(`  Tabswarm seeding ${mb} MiB: ${(seed.ms / 1000).toFixed(2)} s = ${mbps(mb * MiB, seed.ms).toFixed(1)} MB/s`)
  return { seeder, seed }
}

export async function tabswarm(ctx: Ctx): Promise<void> {
  const size = ctx.mb * MiB
  await withSwarm(ctx, 'Tabswarm 1→1', async (url, peers) => {
    const { seeder, seed } = await seedFile(ctx, peers, url, ctx.mb)
    ctx.results['ts.seedMs'] = seed.ms
    const leecher = await newPeer(ctx, peers, 'ts-leecher', url)
    await prepareLeech(leecher.page, seed.magnet)
    const lprof = PROFILING ? await startProfile(leecher.page, 'Tabswarm 1→1 leecher') : null
    const sprof = PROFILING ? await startProfile(seeder.page, 'Tabswarm 1→1 seeder') : null
    const lcpu = probeBrowserCpu(peerBrowserPid(leecher))
    const scpu = probeBrowserCpu(peerBrowserPid(seeder))
    await takeChannelStats(seeder.page)
    await takeChannelStats(leecher.page)
    await startLeech(leecher.page)
    const [st] = await waitAllDone([{ name: 'leecher', page: leecher.page }], {
      timeoutMs: transferTimeoutMs(size),
      stallMs: STALL_MS,
      label: 'Tabswarm 1→1',
    })
    const ms = st!.ms!
    ctx.notes.push(
      `Tabswarm 1→1 data channel use: ${formatChannelStats('seeder', await takeChannelStats(seeder.page))}; ` +
        `${formatChannelStats('leecher', await takeChannelStats(leecher.page))}`,
    )
    const lc = lcpu.stop()
    const sc = scpu.stop()
    ctx.results['ts.ms'] = ms
    ctx.results['ts.mbps'] = mbps(size, ms)
    ctx.results['ts.cpuPer100MB'] = ((lc.totalS + sc.totalS) / (size / 1e6)) * 100
    console.log(`  Tabswarm 1→1: ${(ms / 1000).toFixed(2)} s = ${mbps(size, ms).toFixed(1)} MB/s`)
    ctx.notes.push(`Tabswarm 1→1 leecher: ${formatTimeline(st!.timeline)}`)
    ctx.notes.push(formatCpu('Tabswarm 1→1 leecher browser', lc))
    ctx.notes.push(formatCpu('Tabswarm 1→1 seeder browser', sc))
    if (lprof) ctx.notes.push(await lprof.stop())
    if (sprof) ctx.notes.push(await sprof.stop())
  })
}

export async function swarm(ctx: Ctx): Promise<void> {
  const size = ctx.mb * MiB
  await withSwarm(ctx, `Tabswarm 1→${SWARM_LEECHERS}`, async (url, peers) => {
    const { seeder, seed } = await seedFile(ctx, peers, url, ctx.mb, 'swarm-seeder')
    const leechers: Peer[] = []
    for (let i = 1; i <= SWARM_LEECHERS; i++) leechers.push(await newPeer(ctx, peers, `swarm-leecher-${i}`, url))
    for (const l of leechers) await prepareLeech(l.page, seed.magnet)
    const scpu = probeBrowserCpu(peerBrowserPid(seeder))
    await Promise.all(leechers.map((l) => startLeech(l.page)))
    const states = await waitAllDone(
      leechers.map((l) => ({ name: l.name, page: l.page })),
      { timeoutMs: transferTimeoutMs(size * SWARM_LEECHERS), stallMs: STALL_MS, label: `Tabswarm 1→${SWARM_LEECHERS}` },
    )
    const start = Math.min(...states.map((s) => s.t0Abs))
    const end = Math.max(...states.map((s) => s.doneAbs!))
    const ms = end - start
    ctx.results['swarm.ms'] = ms
    ctx.results['swarm.aggMbps'] = mbps(size * SWARM_LEECHERS, ms)
    const each = states.map((s) => `${((s.doneAbs! - start) / 1000).toFixed(1)} s`).join(', ')
    console.log(`  Tabswarm 1→${SWARM_LEECHERS}: all done in ${(ms / 1000).toFixed(2)} s (each: ${each})`)
    ctx.notes.push(`Tabswarm 1→${SWARM_LEECHERS}: leechers done at ${each} after the first click`)
    ctx.notes.push(`Tabswarm 1→${SWARM_LEECHERS} ${leechers[0]!.name}: ${formatTimeline(states[0]!.timeline)}`)
    ctx.notes.push(formatCpu(`Tabswarm 1→${SWARM_LEECHERS} seeder browser`, scpu.stop()))
  })
}

/** Seeding time alone (when the 1→1 scenario did not already measure it in this run). */
export async function tabswarmSeedOnly(ctx: Ctx): Promise<void> {
  await withSwarm(ctx, 'Tabswarm seeding', async (url, peers) => {
    const { seed } = await seedFile(ctx, peers, url, ctx.mb)
    ctx.results['ts.seedMs'] = seed.ms
  })
}

export async function memory(ctx: Ctx): Promise<void> {
  const size = MEMORY_MB * MiB
  await withSwarm(ctx, `Tabswarm ${MEMORY_MB} MiB memory`, async (url, peers) => {
    const { seed } = await seedFile(ctx, peers, url, MEMORY_MB, 'mem-seeder')
    const leecher = await newPeer(ctx, peers, 'mem-leecher', url)
    await prepareLeech(leecher.page, seed.magnet)
    const pid = peerBrowserPid(leecher)
    const sampler = sampleRendererMemory(pid, 250)
    const cpu = probeBrowserCpu(pid)
    let mem: ReturnType<typeof sampler.stop> | undefined
    try {
      await startLeech(leecher.page)
      const [st] = await waitAllDone([{ name: 'mem-leecher', page: leecher.page }], {
        timeoutMs: transferTimeoutMs(size),
        stallMs: STALL_MS,
        label: `Tabswarm ${MEMORY_MB} MiB`,
      })
      mem = sampler.stop()
      ctx.results['mem.ms'] = st!.ms!
      ctx.results['mem.mbps'] = mbps(size, st!.ms!)
      ctx.notes.push(`Tabswarm ${MEMORY_MB} MiB leecher: ${formatTimeline(st!.timeline)}`)
      ctx.notes.push(formatCpu(`Tabswarm ${MEMORY_MB} MiB leecher browser`, cpu.stop()))
    } finally {
      mem ??= sampler.stop()
    }
    const MB = 1e6
    ctx.results['mem.peakMB'] = mem.peakRendererBytes / MB
    ctx.results['mem.peakSumMB'] = mem.peakSumBytes / MB
    ctx.results['mem.hwmMB'] = mem.hwmBytes / MB
    console.log(
      `  leecher renderer peak VmRSS ${(mem.peakRendererBytes / MB).toFixed(0)} MB (sum of its ${mem.renderers} renderer(s) ${(mem.peakSumBytes / MB).toFixed(0)} MB, ` +
        `VmHWM ${(mem.hwmBytes / MB).toFixed(0)} MB, ${mem.samples} samples); ${MEMORY_MB} MiB in ${(ctx.results['mem.ms']! / 1000).toFixed(1)} s`,
    )
  })
}

/**
 * Diagnostic (not in the default set): the 1→1 download with both peers in in-memory contexts
 * of one browser, IndexedDB in memory: the difference to the 1→1 figure is what disk storage costs.
 */
export async function tabswarmInMemory(ctx: Ctx): Promise<void> {
  const size = ctx.mb * MiB
  const browser = await launchBrowser()
  try {
    await withSwarm(ctx, 'Tabswarm 1→1 in memory', async (url, peers) => {
      const seeder = await memoryPeer(browser, 'mem-ctx-seeder', url)
      peers.push(seeder)
      const seed = await tabswarmSeed(seeder.page, await ctx.tmp.file(ctx.mb), transferTimeoutMs(size))
      const leecher = await memoryPeer(browser, 'mem-ctx-leecher', url)
      peers.push(leecher)
      await prepareLeech(leecher.page, seed.magnet)
      await startLeech(leecher.page)
      const [st] = await waitAllDone([{ name: 'leecher', page: leecher.page }], {
        timeoutMs: transferTimeoutMs(size),
        stallMs: STALL_MS,
        label: 'Tabswarm 1→1 in memory',
      })
      ctx.results['tsmem.seedMs'] = seed.ms
      ctx.results['tsmem.ms'] = st!.ms!
      ctx.results['tsmem.mbps'] = mbps(size, st!.ms!)
      console.log(
        `  Tabswarm in-memory contexts: seeding ${(seed.ms / 1000).toFixed(2)} s, 1→1 ${(st!.ms! / 1000).toFixed(2)} s = ${mbps(size, st!.ms!).toFixed(1)} MB/s`,
      )
      ctx.notes.push(`Tabswarm 1→1 with in-memory IndexedDB (diagnostic): ${formatTimeline(st!.timeline)}`)
    })
  } finally {
    await browser.close()
  }
}
