// The "Many torrents in one tab" section of BENCHMARKS.md, written by the `many` scenario.
import type { ManyFigures } from '../scenarios/many'
import { machine, writeSection } from './report'

export interface ManyReport {
  count: number
  settleS: number
  idleCpuS: number
  ts: ManyFigures
  wt: ManyFigures | null
  otherCores: number
  elapsedS: number
}

const LIVE_FLOOR = 40
const NEWCOMER_FLOOR_S = 10

const secs = (ms: number | null) => (ms === null ? 'not done in 60 s' : `${(ms / 1000).toFixed(1)} s`)

function row(name: string, f: ManyFigures | null, r: ManyReport): string {
  if (!f) return `| ${name} | failed | | | | | |`
  return (
    `| ${name} | ${(f.seedAllMs / 1000).toFixed(1)} s | ${f.liveAtMinute} (peak ${f.livePeak}; ${f.created} made) | ` +
    `${f.rendererMB.toFixed(0)} MB | ${(100 * f.idleCpuCores).toFixed(1)}% of a core over ${r.idleCpuS} s | ${f.newcomer.map(secs).join(', ')} |`
  )
}

export async function writeManySection(r: ManyReport): Promise<string | null> {
  if (process.env.BENCH_WRITE === '0') return null
  const date = new Date().toISOString().replace('T', ' ').slice(0, 16) + ' UTC'
  const ts = r.ts
  const liveOk = ts.liveAtMinute <= LIVE_FLOOR && ts.livePeak <= LIVE_FLOOR
  const newOk = ts.newcomer.length === 3 && ts.newcomer.every((ms) => ms !== null && ms < NEWCOMER_FLOOR_S * 1000)
  const text = [
    '## Many torrents in one tab',
    '',
    '`npm run bench -- many` (bench/scenarios/many.ts; `BENCH_MANY=100`, `BENCH_MANY_SETTLE_S=60` by default).',
    `One tab seeds ${r.count} small files (20–30 KB, each its own torrent) with nobody downloading; Tabswarm and`,
    'WebTorrent 3 (one tab, its own bittorrent-tracker) seed the same files in the same run, each in a browser of',
    'its own with an on-disk profile. Live connections are counted in the page by a wrapper around',
    '`RTCPeerConnection` that holds only WeakRefs (e2e/pc-counter.ts): not closed, by `signalingState` and',
    `\`connectionState\`; sampled every second for ${r.settleS} s after the last torrent is seeding. Then the idle CPU of that`,
    `browser (all its processes, ${r.idleCpuS} s) and the VmRSS of its renderer; then a newcomer tab (same browser, another origin)`,
    'downloads three of the torrents one after another, each timed from the paste to complete.',
    'The seeding times are not alike: Tabswarm gets its 100 files through 100 separate choices in its file input',
    "(one drop is one torrent), each a round trip of the file through the test driver; WebTorrent gets them in one call.",
    '',
    `Measured ${date} on ${machine()}; ${Math.round(r.elapsedS)} s; other work on the machine meanwhile: ${r.otherCores.toFixed(2)} cores.`,
    '',
    `| Client | ${r.count} torrents seeding after | Live peer connections after ${r.settleS} s | Renderer VmRSS | Idle CPU (whole browser) | Newcomer: three torrents |`,
    '| --- | --- | --- | --- | --- | --- |',
    row('Tabswarm', ts, r),
    row('WebTorrent 3', r.wt, r),
    '',
    ...(r.wt?.errors.length ? [`WebTorrent's console errors meanwhile (first ${r.wt.errors.length}): ${r.wt.errors.map((e) => `\`${e.replace(/`/g, "'")}\``).join('; ')}`, ''] : []),
    'Floors (issue 8):',
    '',
    '| Floor | Measured | Result |',
    '| --- | --- | --- |',
    `| ≤ ${LIVE_FLOOR} live peer connections after a minute | ${ts.liveAtMinute} (peak ${ts.livePeak}) | ${liveOk ? 'PASS' : 'BELOW'} |`,
    `| a newcomer completes each of three torrents in < ${NEWCOMER_FLOOR_S} s | ${ts.newcomer.map(secs).join(', ')} | ${newOk ? 'PASS' : 'BELOW'} |`,
    '',
  ].join('\n')
  return writeSection(text, 'Many torrents in one tab')
}
