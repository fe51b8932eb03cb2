// Tabswarm scenarios through the page contract: one-to-one, one-to-many, seeding, and the
// leecher's renderer memory. Every peer has an on-disk profile. Peers are placed either as tabs of
// one browser with origins of their own ('shared', see sharedBrowser: the 1→1 and 1→N figures, as
// the raw channel and WebTorrent are measured) or each in a browser of its own ('separate': the
// memory scenario, which must find the leecher's renderer, and the two-browser comparison).
import {
  closeAll,
  dumpLogs,
  formatChannelStats,
  launchBrowser,
  memoryPeer,
  peerBrowserPid,
  persistentPeer,
  sampleRendererMemory,
  sharedBrowser,
  takeChannelStats,
  type Peer,
  type SharedBrowser,
} from '../lib/browser'
import { STALL_MS, formatTimeline, transferTimeoutMs, type Ctx } from '../lib/context'
import { formatCpu, mergeCpu, probeBrowserCpu, type CpuReport } from '../lib/cpu'
import { MEMORY_MB, MiB, SWARM_LEECHERS, mbps } from '../lib/env'
import { prepareLeech, startLeech, startTabswarmTracker, tabswarmSeed, type SeedResult } from '../lib/tabswarm'
import { PROFILING, startProfile } from '../lib/profile'
import { waitAllDone } from '../lib/watch'

type Placement = 'shared' | 'separate'

interface Group {
  url: string
  peers: Peer[]
  add(name: string): Promise<Peer>
  /** CPU of every browser of the group from now until stop(). */
  cpu(): { stop(): CpuReport }
}

async function withSwarm<T>(ctx: Ctx, label: string, placement: Placement, fn: (g: Group) => Promise<T>): Promise<T> {
  if (!ctx.appDir) throw new Error(`the app did not build: ${ctx.appError}`)
  const { tracker, url } = await startTabswarmTracker(ctx.appDir)
  const peers: Peer[] = []
  let shared: SharedBrowser | null = null
  try {
    if (placement === 'shared') shared = await sharedBrowser(await ctx.tmp.profile(label.replace(/\W+/g, '-')))
    const group: Group = {
      url,
      peers,
      async add(name) {
        const p = shared ? await shared.peer(name, url) : await persistentPeer(name, await ctx.tmp.profile(name), url)
        peers.push(p)
        return p
      },
      cpu() {
        if (shared) return probeBrowserCpu(shared.pid)
        const probes = peers.map((p) => probeBrowserCpu(peerBrowserPid(p)))
        return { stop: () => mergeCpu(probes.map((q) => q.stop())) }
      },
    }
    return await fn(group)
  } catch (err) {
    console.error(`  ${label} failed; last console lines:\n${dumpLogs(peers)}`)
    throw err
  } finally {
    if (shared) await shared.close()
    else await closeAll(peers)
    await tracker.close()
  }
}

async function seedFile(ctx: Ctx, g: Group, mb: number, name = 'ts-seeder'): Promise<{ seeder: Peer; seed: SeedResult }> {
  const file = await ctx.tmp.file(mb)
  const seeder = await g.add(name)
  const cpu = g.cpu()
  const seed = await tabswarmSeed(seeder.page, file, transferTimeoutMs(mb * MiB))
  ctx.notes.push(`Tabswarm seeding ${mb} MiB: ${formatTimeline(seed.timeline)}`)
  ctx.notes.push(formatCpu(`Tabswarm seeder's browser while seeding ${mb} MiB`, cpu.stop()))
  console.log(`  Tabswarm seeding ${mb} MiB: ${(seed.ms / 1000).toFixed(2)} s = ${mbps(mb * MiB, seed.ms).toFixed(1)} MB/s`)
  return { seeder, seed }
}

/** One seeder, one leecher; returns the download time. */
async function oneToOne(ctx: Ctx, g: Group, label: string, keyPrefix: string): Promise<void> {
  const size = ctx.mb * MiB
  const { seeder, seed } = await seedFile(ctx, g, ctx.mb)
  ctx.results[`${keyPrefix}.seedMs`] = seed.ms
  const leecher = await g.add('ts-leecher')
  await prepareLeech(leecher.page, seed.magnet)
  const lprof = PROFILING ? await startProfile(leecher.page, `${label} leecher`) : null
  const sprof = PROFILING ? await startProfile(seeder.page, `${label} seeder`) : null
  const cpu = g.cpu()
  await takeChannelStats(seeder.page)
  await takeChannelStats(leecher.page)
  await startLeech(leecher.page)
  const [st] = await waitAllDone([{ name: 'leecher', page: leecher.page }], {
    timeoutMs: transferTimeoutMs(size),
    stallMs: STALL_MS,
    label,
  })
  const c = cpu.stop()
  const ms = st!.ms!
  ctx.results[`${keyPrefix}.ms`] = ms
  ctx.results[`${keyPrefix}.mbps`] = mbps(size, ms)
  ctx.results[`${keyPrefix}.cpuPer100MB`] = (c.totalS / (size / 1e6)) * 100
  ctx.results[`${keyPrefix}.cores`] = c.totalS / c.wallS
  console.log(`  ${label}: ${(ms / 1000).toFixed(2)} s = ${mbps(size, ms).toFixed(1)} MB/s`)
  ctx.notes.push(
    `${label} data channel use: ${formatChannelStats('seeder', await takeChannelStats(seeder.page))}; ` +
      `${formatChannelStats('leecher', await takeChannelStats(leecher.page))}`,
  )
  ctx.notes.push(`${label} leecher: ${formatTimeline(st!.timeline)}`)
  ctx.notes.push(formatCpu(`${label}, both peers' browser(s)`, c))
  if (lprof) ctx.notes.push(await lprof.stop())
  if (sprof) ctx.notes.push(await sprof.stop())
}

export async function tabswarm(ctx: Ctx): Promise<void> {
  await withSwarm(ctx, 'Tabswarm 1→1', 'shared', (g) => oneToOne(ctx, g, 'Tabswarm 1→1', 'ts'))
  // For comparison, once: each peer in a browser of its own.
  if (ctx.round === 1) await withSwarm(ctx, 'Tabswarm 1→1 two browsers', 'separate', (g) => oneToOne(ctx, g, 'Tabswarm 1→1 (two browsers)', 'ts2'))
}

export async function swarm(ctx: Ctx): Promise<void> {
  const size = ctx.mb * MiB
  await withSwarm(ctx, `Tabswarm 1→${SWARM_LEECHERS}`, 'shared', async (g) => {
    const { seed } = await seedFile(ctx, g, ctx.mb, 'swarm-seeder')
    const leechers: Peer[] = []
    for (let i = 1; i <= SWARM_LEECHERS; i++) leechers.push(await g.add(`swarm-leecher-${i}`))
    for (const l of leechers) await prepareLeech(l.page, seed.magnet)
    const cpu = g.cpu()
    await Promise.all(leechers.map((l) => startLeech(l.page)))
    const states = await waitAllDone(
      leechers.map((l) => ({ name: l.name, page: l.page })),
      { timeoutMs: transferTimeoutMs(size * SWARM_LEECHERS), stallMs: STALL_MS, label: `Tabswarm 1→${SWARM_LEECHERS}` },
    )
    const c = cpu.stop()
    const start = Math.min(...states.map((s) => s.t0Abs))
    const end = Math.max(...states.map((s) => s.doneAbs!))
    const ms = end - start
    ctx.results['swarm.ms'] = ms
    ctx.results['swarm.aggMbps'] = mbps(size * SWARM_LEECHERS, ms)
    ctx.results['swarm.cpuPer100MB'] = (c.totalS / ((size * SWARM_LEECHERS) / 1e6)) * 100
    ctx.results['swarm.cores'] = c.totalS / c.wallS
    const each = states.map((s) => `${((s.doneAbs! - start) / 1000).toFixed(1)} s`).join(', ')
    console.log(`  Tabswarm 1→${SWARM_LEECHERS}: all done in ${(ms / 1000).toFixed(2)} s (each: ${each})`)
    ctx.notes.push(`Tabswarm 1→${SWARM_LEECHERS}: leechers done at ${each} after the first click`)
    ctx.notes.push(`Tabswarm 1→${SWARM_LEECHERS} ${leechers[0]!.name}: ${formatTimeline(states[0]!.timeline)}`)
    ctx.notes.push(formatCpu(`Tabswarm 1→${SWARM_LEECHERS}, the browser of all five tabs`, c))
  })
}

/** Seeding time alone (when the 1→1 scenario did not already measure it in this run). */
export async function tabswarmSeedOnly(ctx: Ctx): Promise<void> {
  await withSwarm(ctx, 'Tabswarm seeding', 'shared', async (g) => {
    const { seed } = await seedFile(ctx, g, ctx.mb)
    ctx.results['ts.seedMs'] = seed.ms
  })
}

export async function memory(ctx: Ctx): Promise<void> {
  const size = MEMORY_MB * MiB
  await withSwarm(ctx, `Tabswarm ${MEMORY_MB} MiB memory`, 'separate', async (g) => {
    const { seed } = await seedFile(ctx, g, MEMORY_MB, 'mem-seeder')
    const leecher = await g.add('mem-leecher')
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
    await withSwarm(ctx, 'Tabswarm 1→1 in memory', 'separate', async (g) => {
      const { url, peers } = g
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
