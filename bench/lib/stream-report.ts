// The "Streaming" section of BENCHMARKS.md and the console table, written by the `stream` scenario.
import { machine, printTable, writeSection } from './report'
import type { StreamMedia } from './stream-media'

export interface StreamFigures {
  /** Paste -> first frame (first viewer tab). */
  firstMs: number
  /** The same in the second, fresh viewer tab (the one that seeks). */
  firstMs2: number
  seek50Ms: number
  seek90Ms: number
  stalls: number
  stalledS: number
  playedS: number
}

export interface StreamReport {
  clip: StreamMedia
  capBps: number
  windowS: number
  /** Figures, or why the client failed. */
  ts: StreamFigures | string
  wt: StreamFigures | string
  /** Piece lengths (KiB) of the two torrents (0 when not known). */
  pieceKiB: { ts: number; wt: number }
  /** 1-min load average at the start and the end. */
  loads: number[]
  elapsedS: number
}

const TIME_FLOOR = 0.7
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`

function rows(r: StreamReport): string[][] {
  const cell = (f: StreamFigures | string, pick: (f: StreamFigures) => string) => (typeof f === 'string' ? `failed: ${f.split('\n')[0]!.slice(0, 120)}` : pick(f))
  const ratio = (pick: (f: StreamFigures) => number) =>
    typeof r.ts === 'string' || typeof r.wt === 'string' ? '—' : `${(pick(r.ts) / pick(r.wt)).toFixed(2)}×`
  return [
    ['Paste → first frame', cell(r.ts, (f) => `${s(f.firstMs)} (second tab ${s(f.firstMs2)})`), cell(r.wt, (f) => `${s(f.firstMs)} (second tab ${s(f.firstMs2)})`), ratio((f) => f.firstMs)],
    ['Seek to 50% → playing', cell(r.ts, (f) => s(f.seek50Ms)), cell(r.wt, (f) => s(f.seek50Ms)), ratio((f) => f.seek50Ms)],
    ['Seek to 90% → playing', cell(r.ts, (f) => s(f.seek90Ms)), cell(r.wt, (f) => s(f.seek90Ms)), ratio((f) => f.seek90Ms)],
    [
      `Stalls over the first ${r.windowS} s of playback`,
      cell(r.ts, (f) => `${f.stalls}, ${f.stalledS.toFixed(2)} s stalled (${f.playedS.toFixed(1)} s played)`),
      cell(r.wt, (f) => `${f.stalls}, ${f.stalledS.toFixed(2)} s stalled (${f.playedS.toFixed(1)} s played)`),
      '',
    ],
  ]
}

function floors(r: StreamReport): string[][] {
  if (typeof r.ts === 'string' || typeof r.wt === 'string') return [['all', '—', 'NOT MEASURED']]
  const { ts, wt } = r
  const time = (name: string, a: number, b: number) => [`${name} ≤ ${TIME_FLOOR}× WebTorrent's`, `${(a / b).toFixed(2)}×`, a / b <= TIME_FLOOR ? 'PASS' : 'BELOW']
  return [
    time('first frame', ts.firstMs, wt.firstMs),
    time('seek to 50%', ts.seek50Ms, wt.seek50Ms),
    time('seek to 90%', ts.seek90Ms, wt.seek90Ms),
    ['stalled seconds ≤ WebTorrent\'s', `${ts.stalledS.toFixed(2)} s vs ${wt.stalledS.toFixed(2)} s`, ts.stalledS <= wt.stalledS ? 'PASS' : 'BELOW'],
  ]
}

function md(head: string[], body: string[][]): string[] {
  const esc = (c: string) => c.replace(/\|/g, '\\|')
  return [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...body.map((r) => `| ${r.map(esc).join(' | ')} |`)]
}

/** What bounds a seek here: the player's first bytes at the new position come out of one whole, verified piece. */
function reading(r: StreamReport): string[] {
  const { ts, wt } = r.pieceKiB
  if (!ts || !wt) return []
  const at = (kib: number) => `${((kib * 1024) / r.capBps).toFixed(2)} s`
  return [
    `Reading the seeks: both service workers answer from verified pieces only, so a seek into missing bytes waits at least`,
    `for one whole piece at the capped rate: Tabswarm's torrent has ${ts} KiB pieces (shared/pieces.ts: audio and video get`,
    `64 KiB-1 MiB, at most 2,048 pieces) = ${at(ts)}, WebTorrent's ${wt} KiB (create-torrent's piece-length) = ${at(wt)}.`,
    'On a seek Tabswarm cancels the read-ahead it had asked the seeder for and serves the newest deadline first. What is',
    'left is the same for both: the player cancels its old request and opens a new one (70-100 ms in traces of this',
    "bench), then needs about a megabyte from the keyframe on before it plays again (0.4 s at the seeder's cap).",
    '',
  ]
}

/** Prints the tables; writes the section unless BENCH_WRITE=0 or the window was shortened (BENCH_WRITE=1 forces it). */
export async function writeStreamSection(r: StreamReport): Promise<string | null> {
  const head = ['Figure', 'Tabswarm', 'WebTorrent 3', 'Tabswarm / WebTorrent']
  printTable('Streaming', head, rows(r))
  printTable('Streaming floors', ['Floor', 'Measured', 'Result'], floors(r))
  const write = process.env.BENCH_WRITE === '1' || (process.env.BENCH_WRITE !== '0' && r.windowS === 60)
  if (!write) return null
  const mib = (r.clip.size / 2 ** 20).toFixed(1)
  const date = new Date().toISOString().replace('T', ' ').slice(0, 16) + ' UTC'
  const text = [
    '## Streaming',
    '',
    '`npm run bench -- stream` (bench/scenarios/stream.ts; `BENCH_STREAM_S=60` playback window by default).',
    `A ${mib} MiB video (${r.clip.name}: ${r.clip.seconds} s of 1280x720 30 fps H.264 at ${((r.clip.rate * 8) / 1e6).toFixed(2)} Mbit/s with AAC, MP4 faststart; made`,
    'once with ffmpeg and kept in `.bench-tmp/stream-media/`) from one seeder whose upload is capped at twice the',
    `bitrate (${Math.round(r.capBps / 1024)} KiB/s: Tabswarm's \`upload-limit\`, WebTorrent's \`throttleUpload\`). Tabswarm plays it`,
    'through its service worker (`/sw.js`, Play); WebTorrent 3 through its own (`dist/sw.min.js` registered at the',
    'origin\'s root, `client.createServer({ controller })`, `file.streamTo(video)`, started when the torrent is ready).',
    'Each client runs in a browser of its own with an on-disk profile (seeder and viewers are tabs on origins of their',
    'own) and its own tracker. Per client two fresh viewer tabs, one after the other: the first measures paste → first',
    `frame and then the stalls over the first ${r.windowS} s of playback; the second measures paste → first frame, then`,
    'seek to 50% → playing and seek to 90% → playing (a seek into bytes not yet fetched). "Playing" means the',
    'player is not paused and `currentTime` has moved past the target; a stall is a `waiting` event until the next',
    '`playing`; all clocks run in the page (`performance.now()`). The paste is the click on `link-submit` for Tabswarm,',
    'the `client.add(magnet)` call for WebTorrent; Tabswarm\'s Play is clicked by the page itself as soon as it is enabled (checked every 5 ms).',
    '',
    `Measured ${date} on ${machine()}; ${Math.round(r.elapsedS)} s; 1-min load average ${r.loads.map((l) => l.toFixed(1)).join(' at the start, ')} at the end.`,
    '',
    ...md(head, rows(r)),
    '',
    'Floors (issue 9):',
    '',
    ...md(['Floor', 'Measured', 'Result'], floors(r)),
    '',
    ...reading(r),
  ].join('\n')
  return writeSection(text, 'Streaming')
}
