// The figures table, the floors of the issue, and the "Browser benchmarks" section of BENCHMARKS.md.
import { existsSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { Ctx } from './context'
import { MEMORY_MB, ROOT, SWARM_LEECHERS, chromiumVersion } from './env'

export interface Floor {
  name: string
  /** measured value and the bound, as shown */
  measured: (r: Record<string, number>) => number | undefined
  bound: number
  cmp: '>=' | '<'
  unit: string
  basis: string
}

export const FLOORS: Floor[] = [
  {
    name: 'Tabswarm 1→1 ≥ 1.5× WebTorrent (default store)',
    measured: (r) => ratio(r['ts.mbps'], r['wt.mbps']),
    bound: 1.5,
    cmp: '>=',
    unit: '×',
    basis: 'throughput ratio',
  },
  {
    name: 'Tabswarm 1→1 ≥ 80% of the raw data channel',
    measured: (r) => ratio(r['ts.mbps'], r['raw.mbps']),
    bound: 0.8,
    cmp: '>=',
    unit: '×',
    basis: 'throughput ratio',
  },
  {
    name: `1 seeder → ${SWARM_LEECHERS} leechers < 2.5× the 1→1 time`,
    measured: (r) => ratio(r['swarm.ms'], r['ts.ms']),
    bound: 2.5,
    cmp: '<',
    unit: '×',
    basis: 'time ratio',
  },
  {
    name: 'Worker-pool hashing ≥ 1.6× one main-thread loop',
    measured: (r) => ratio(r['hash.poolMBps'], r['hash.mainMBps']),
    bound: 1.6,
    cmp: '>=',
    unit: '×',
    basis: 'throughput ratio',
  },
  {
    name: `Leecher renderer < 400 MB while downloading ${MEMORY_MB} MiB`,
    measured: (r) => r['mem.peakMB'],
    bound: 400,
    cmp: '<',
    unit: 'MB',
    basis: 'peak VmRSS',
  },
]

function ratio(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined || b === 0 ? undefined : a / b
}

const f1 = (x: number | undefined, d = 1) => (x === undefined ? '—' : x.toFixed(d))
const secs = (ms: number | undefined) => (ms === undefined ? '—' : `${(ms / 1000).toFixed(2)} s`)

export function figureRows(ctx: Ctx, failures: Record<string, string>): Array<[string, string, string]> {
  const r = ctx.results
  const mb = ctx.mb
  const failed = (s: string) => (failures[s] ? `failed: ${failures[s]!.split('\n')[0]!.slice(0, 160)}` : 'not run')
  const rows: Array<[string, string, string]> = []
  const add = (scenario: string, what: string, value: string | undefined) => rows.push([scenario, what, value ?? failed(scenario)])
  // "; best of 12.1, 13.0" when a figure was measured in several rounds
  const rounds = (key: string, d = 1, scale = 1, unit = '') => {
    const xs = ctx.samples[key] ?? []
    return xs.length > 1 ? `; rounds: ${xs.map((x) => (x * scale).toFixed(d)).join(', ')}${unit}` : ''
  }
  const flow = (k: string) => (r[`${k}.mbps`] !== undefined ? `${f1(r[`${k}.mbps`])} MB/s (${secs(r[`${k}.ms`])}${rounds(`${k}.mbps`)})` : undefined)
  add('raw', `Raw RTCDataChannel, ${mb} MiB, 64 KiB sends`, flow('raw'))
  add('webtorrent', `WebTorrent 3 1→1, ${mb} MiB, default store (OPFS), paste → done`, flow('wt'))
  add('tabswarm', `Tabswarm 1→1, ${mb} MiB, paste → all pieces verified in IndexedDB`, flow('ts'))
  const cpu = (k: string, name: string) => (r[k] !== undefined ? `${name} ${f1(r[k])} s` : null)
  const cpus = [cpu('raw.cpuPer100MB', 'raw'), cpu('wt.cpuPer100MB', 'WebTorrent'), cpu('ts.cpuPer100MB', 'Tabswarm')].filter(Boolean)
  if (cpus.length)
    rows.push(['tabswarm', 'CPU time per 100 MB moved 1→1 (the whole browser, all its processes; in the best round)', cpus.join(', ')])
  if (r['raw2.mbps'] !== undefined || r['ts2.mbps'] !== undefined)
    rows.push([
      'tabswarm',
      `The same 1→1 with each peer in a browser of its own (round 1 only)`,
      [
        r['raw2.mbps'] !== undefined ? `raw ${f1(r['raw2.mbps'])} MB/s` : null,
        r['ts2.mbps'] !== undefined ? `Tabswarm ${f1(r['ts2.mbps'])} MB/s, ${f1(r['ts2.cpuPer100MB'])} s CPU per 100 MB` : null,
      ]
        .filter(Boolean)
        .join('; '),
    ])
  // The bare channel's own 1→N: how far N× the bytes on these cores stretch the time, no client involved.
  const rawSwarmX = ratio(r['rawswarm.ms'], r['raw.ms'])
  add(
    'raw-swarm',
    `Raw RTCDataChannel 1→${SWARM_LEECHERS}, ${mb} MiB to each`,
    r['rawswarm.ms'] !== undefined
      ? `${secs(r['rawswarm.ms'])}${rawSwarmX !== undefined ? ` = ${f1(rawSwarmX, 2)}× the raw 1→1 time` : ''} (${f1(r['rawswarm.aggMbps'])} MB/s delivered in total, ` +
        `${f1(r['rawswarm.cpuPer100MB'])} s CPU per 100 MB; the browser kept ${f1(r['rawswarm.cores'], 2)} cores busy, the raw 1→1 ${f1(r['raw.cores'], 2)})`
      : undefined,
  )
  add(
    'swarm',
    `Tabswarm 1→${SWARM_LEECHERS}, ${mb} MiB, until all done`,
    r['swarm.ms'] !== undefined
      ? `${secs(r['swarm.ms'])} = ${f1(ratio(r['swarm.ms'], r['ts.ms']), 2)}× the 1→1 time (${f1(r['swarm.aggMbps'])} MB/s delivered in total, ${f1(r['swarm.cpuPer100MB'])} s CPU per 100 MB; ` +
        `the browser kept ${f1(r['swarm.cores'], 2)} cores busy, the 1→1 ${f1(r['ts.cores'], 2)}: at the 1→1's CPU cost per byte, ` +
        `${SWARM_LEECHERS}× the bytes on ${os.availableParallelism()} cores need at least ${f1(((SWARM_LEECHERS * (r['ts.cores'] ?? 0)) / os.availableParallelism()), 2)}× its time` +
        (rawSwarmX !== undefined ? `; the bare data channel itself takes ${f1(rawSwarmX, 2)}× its 1→1 time for 1→${SWARM_LEECHERS}` : '') +
        ')'
      : undefined,
  )
  add(
    'seed',
    `Seeding ${mb} MiB: Tabswarm choose → seeding (read, hash, store)`,
    r['ts.seedMs'] !== undefined ? `${secs(r['ts.seedMs'])} (${f1((mb * 1.048576) / (r['ts.seedMs'] / 1000))} MB/s${rounds('ts.seedMs', 2, 1 / 1000, ' s')})` : undefined,
  )
  add(
    'seed',
    `Seeding ${mb} MiB: WebTorrent seed() to its callback`,
    r['wt.seedMs'] !== undefined
      ? `${secs(r['wt.seedMs'])} (${f1((mb * 1.048576) / (r['wt.seedMs'] / 1000))} MB/s); Tabswarm takes ${f1(ratio(r['ts.seedMs'], r['wt.seedMs']), 2)}× its time`
      : undefined,
  )
  if (r['wtswarm.ms'] !== undefined)
    rows.push([
      'webtorrent-swarm',
      `WebTorrent 1→${SWARM_LEECHERS}, ${mb} MiB, until all done (the same way)`,
      `${secs(r['wtswarm.ms'])} = ${f1(ratio(r['wtswarm.ms'], r['wt.ms']), 2)}× its 1→1 time` +
        (r['swarm.ms'] !== undefined ? `; Tabswarm's 1→${SWARM_LEECHERS} takes ${f1(ratio(r['swarm.ms'], r['wtswarm.ms']), 2)}× its time` : ''),
    ])
  if (r['tsmem.ms'] !== undefined)
    rows.push([
      'tabswarm-inmemory',
      `Tabswarm 1→1, ${mb} MiB, both peers with in-memory IndexedDB (diagnostic)`,
      `${f1(r['tsmem.mbps'])} MB/s (${secs(r['tsmem.ms'])}); seeding ${secs(r['tsmem.seedMs'])}`,
    ])
  add(
    'hash',
    `SHA-1 of ${mb} MiB: worker pool vs one main-thread crypto.subtle loop`,
    r['hash.poolMBps'] !== undefined
      ? `${f1(r['hash.poolMBps'], 0)} MB/s vs ${f1(r['hash.mainMBps'], 0)} MB/s = ${f1(ratio(r['hash.poolMBps'], r['hash.mainMBps']), 2)}×`
      : undefined,
  )
  add(
    'memory',
    `Leecher renderer peak VmRSS, Tabswarm ${MEMORY_MB} MiB download`,
    r['mem.peakMB'] !== undefined
      ? `${f1(r['mem.peakMB'], 0)} MB (all its renderers together ${f1(r['mem.peakSumMB'], 0)} MB; download ${secs(r['mem.ms'])} = ${f1(r['mem.mbps'])} MB/s)`
      : undefined,
  )
  return rows
}

export function floorRows(ctx: Ctx): Array<[string, string, string]> {
  return FLOORS.map((f) => {
    const v = f.measured(ctx.results)
    if (v === undefined) return [f.name, '—', 'NOT MEASURED']
    const ok = f.cmp === '>=' ? v >= f.bound : v < f.bound
    const shown = f.unit === 'MB' ? `${v.toFixed(0)} MB` : `${v.toFixed(2)}×`
    return [f.name, shown, ok ? 'PASS' : 'BELOW']
  })
}

export function printTable(title: string, head: string[], rows: string[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ')
  console.log(`\n${title}`)
  console.log(line(head))
  console.log(widths.map((w) => '-'.repeat(w)).join('  '))
  for (const r of rows) console.log(line(r))
}

function mdTable(head: string[], rows: string[][]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|')
  return [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n')
}

/** A few generated sentences on what limits the figures in this run. */
function reading(ctx: Ctx): string[] {
  const r = ctx.results
  const cores = os.availableParallelism()
  if (r['ts.cores'] === undefined || r['raw.cores'] === undefined) return []
  const out = [
    `Reading the figures: during the 1→1 transfers the browser kept ${f1(r['raw.cores'], 2)} (raw)` +
      (r['wt.cores'] !== undefined ? `, ${f1(r['wt.cores'], 2)} (WebTorrent)` : '') +
      ` and ${f1(r['ts.cores'], 2)} (Tabswarm) of the ${cores} cores busy: both peers share this machine, so a client's` +
      ` speed here is set by its CPU time per byte (the CPU row). Tabswarm spends ${f1(ratio(r['ts.cpuPer100MB'], r['raw.cpuPer100MB']), 2)}×` +
      ` the raw channel's CPU per byte` +
      (r['wt.cpuPer100MB'] !== undefined ? ` and ${f1(ratio(r['ts.cpuPer100MB'], r['wt.cpuPer100MB']), 2)}× WebTorrent's` : '') +
      '. A 1→N swarm on the same cores moves N times the bytes, so when the 1→1 already fills the cores its time' +
      ' cannot fall much below N× (see the swarm row for this run\'s bound).' +
      (r['rawswarm.ms'] !== undefined && r['raw.ms'] !== undefined
        ? ` The raw 1→${SWARM_LEECHERS} row measures that bound with no client in the way: the bare data channel, sending the file` +
          ` to ${SWARM_LEECHERS} tabs at once, took ${f1(ratio(r['rawswarm.ms'], r['raw.ms']), 2)}× its own 1→1 time` +
          ` (${f1(r['rawswarm.cores'], 2)} cores busy), against the floor's 2.5× for Tabswarm.`
        : ''),
    '',
  ]
  return out
}

export function machine(): string {
  const cpu = os.cpus()[0]?.model?.trim() ?? 'unknown CPU'
  return `${os.cpus().length} cores (nproc ${os.availableParallelism()}), ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${chromiumVersion()} headless, Node ${process.version}, Linux ${os.release()}`
}

export function section(ctx: Ctx, failures: Record<string, string>, elapsedS: number): string {
  const date = new Date().toISOString().replace('T', ' ').slice(0, 16) + ' UTC'
  const parts = [
    '## Browser benchmarks',
    '',
    '`npm run bench` (bench/run.ts; a benchmark, not a timed test: it reports, it does not fail on a figure).',
    'All scenarios run in one go, in headless Chromium inside a loopback-only network namespace, so the',
    'ratios between them hold on a noisy machine. Subsets: `npm run bench -- raw raw-swarm webtorrent tabswarm swarm webtorrent-swarm seed hash memory`;',
    '`BENCH_MB=64` for quick iterations (figures are only written here by a full run at the default sizes).',
    '',
    `Measured ${date} on ${machine()}; whole run ${Math.round(elapsedS)} s. Other work on the machine during`,
    `each scenario (cores, on average; /proc/stat minus the bench's own processes): ${Object.entries(ctx.loads).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ') || '—'}.`,
    '',
    mdTable(['Scenario', 'Figure'], figureRows(ctx, failures).map(([, what, v]) => [what, v])),
    '',
    'Floors (from the issue):',
    '',
    mdTable(['Floor', 'Measured', 'Result'], floorRows(ctx)),
    '',
    ...reading(ctx),
    '### How',
    '',
    '- Every peer is its own tab with an on-disk profile (`launchPersistentContext`: IndexedDB and OPFS on disk as in a',
    '  user\'s browser; Playwright\'s `newContext()` keeps storage in memory). For the raw channel, WebTorrent, Tabswarm',
    '  1→1 and 1→N the peers are tabs of one browser, each on an origin of its own (127.0.0.1, p1.localhost, p2.localhost…',
    '  on the same server): separate storage, separate renderer processes, one browser and one network service process.',
    '  This reproduces the issue\'s 25 MB/s raw reference. Two persistent profiles cannot share a browser, and on one',
    '  2-core machine a browser per peer costs much more CPU per byte (a second network service process on the path):',
    '  that comparison is the "each peer in a browser of its own" row. The memory scenario puts the leecher in a',
    '  browser of its own, so its renderer can be found. The hashing page uses an in-memory context (nothing is stored).',
    '- No ICE servers anywhere (`iceServers: []`, WebTorrent `tracker.rtcConfig`): host candidates on loopback only.',
    '- Tabswarm: the app built from this tree (`vite build`), served by `createTracker()` with its defaults. Seeder:',
    '  `file-input` ← the file (by path), clock from the input\'s `change` event to `data-state=seeding`. Leecher: magnet',
    '  from `share-link` into `link-input`, clock from the `link-submit` click to `data-progress=1` (verified and stored',
    '  in IndexedDB); both read in the page with `performance.now()`. 1→N: from the first click to the last leecher done.',
    '- WebTorrent: `webtorrent/dist/webtorrent.min.js` on a page of the bench\'s own server, `bittorrent-tracker`',
    '  (`ws` only) as tracker; `seed(file)` timed to its callback, `add(magnet)` to `done`; default store, which in',
    '  Chromium is OPFS (`fsa-chunk-store`) behind a 20-piece memory cache.',
    '- Raw: two pages, one ordered reliable `RTCDataChannel`, 64 KiB sends kept between 1 and 4 MiB of `bufferedAmount`,',
    '  timed until the receiver acknowledges the last byte. Raw 1→N: one sender tab and N receiver tabs, one connection',
    '  and channel per receiver with the same sends and flow control each, all N started at once, timed until the last',
    '  receiver acknowledges (run once: it is the bound for the swarm ratio, not a client\'s figure).',
    `- raw, webtorrent and tabswarm run ${ctx.facts['rounds'] ?? '?'} times, interleaved (\`BENCH_ROUNDS\`), and the best round of each is kept`,
    '  (all its figures, and its notes below); "rounds" lists the value of every round: on an idle machine single runs',
    '  of the same transfer still differ by 10–15%. Before each scenario the bench waits up to 30 s for the machine to',
    '  be idle (`BENCH_WAIT_QUIET`), and it reports how much other work ran meanwhile.',
    '- Data channel use counts `RTCDataChannel.send` calls in the page (a JS wrapper around the native call).',
    '- The app refreshes its `data-*` attributes at most every 250 ms, so a measured end can be up to 250 ms late (<1%).',
    `- Hashing: ${ctx.facts['hash.impl'] ?? 'not run'}.`,
    `- Memory: the leecher's browser is found by its profile; VmRSS of its \`--type=renderer\` processes sampled every`,
    '  250 ms from the click to done; the figure is the biggest single renderer (the page\'s, which also runs its workers).',
  ]
  if (ctx.notes.length) {
    parts.push('', '### Where the time goes (this run)', '', ...ctx.notes.map((n) => `- ${n}`))
  }
  return parts.join('\n') + '\n'
}

/** Replaces (or appends) the "## <heading>" section, leaving every other section alone. */
export async function writeSection(text: string, heading = 'Browser benchmarks'): Promise<string> {
  const file = path.join(ROOT, 'BENCHMARKS.md')
  const old = existsSync(file) ? await readFile(file, 'utf8') : '# Benchmarks\n'
  const lines = old.split('\n')
  const start = lines.findIndex((l) => l.trim() === `## ${heading}`)
  let out: string
  if (start < 0) {
    out = `${old.replace(/\n*$/, '')}\n\n${text}`
  } else {
    let end = lines.findIndex((l, i) => i > start && /^## /.test(l))
    if (end < 0) end = lines.length
    const before = lines.slice(0, start).join('\n').replace(/\n*$/, '')
    const after = lines.slice(end).join('\n').replace(/^\n*/, '')
    out = `${before ? before + '\n\n' : ''}${text}${after ? '\n' + after : ''}`
  }
  await writeFile(file, out.replace(/\n*$/, '\n'))
  return file
}
