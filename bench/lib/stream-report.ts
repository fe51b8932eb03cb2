// The "Streaming" section of BENCHMARKS.md and the console table, written by the `stream` scenario.
import type { SentWindow } from './capped-http'
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

/** The bound: the clip from plain HTTP at the same cap (one fresh tab: first frame, then the two seeks). */
export interface HttpFigures {
  /** Setting the player's src and play() -> first frame. */
  firstMs: number
  seek50Ms: number
  seek90Ms: number
  /** What the server wrote from each clock's start until playing. */
  first: SentWindow
  seek50: SentWindow
  seek90: SentWindow
}

export interface StreamReport {
  clip: StreamMedia
  capBps: number
  windowS: number
  /** Figures, or why the client failed. */
  ts: StreamFigures | string
  wt: StreamFigures | string
  http: HttpFigures | string
  /** Some clients were skipped (BENCH_STREAM_ONLY): the section is not written unless BENCH_WRITE=1. */
  partial: boolean
  /** Piece lengths (KiB) of the two torrents (0 when not known). */
  pieceKiB: { ts: number; wt: number }
  /** 1-min load average at the start and the end. */
  loads: number[]
  elapsedS: number
}

const TIME_FLOOR = 0.7
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`
const kib = (bytes: number) => `${Math.round(bytes / 1024).toLocaleString('en-US')} KiB`
const failed = (f: string) => (f.startsWith('skipped') ? f : `failed: ${f.split('\n')[0]!.slice(0, 120)}`)

function rows(r: StreamReport): string[][] {
  const cell = (f: StreamFigures | string, pick: (f: StreamFigures) => string) => (typeof f === 'string' ? failed(f) : pick(f))
  const http = (pick: (f: HttpFigures) => [number, SentWindow]) => {
    if (typeof r.http === 'string') return failed(r.http)
    const [ms, w] = pick(r.http)
    return `${s(ms)} (${kib(w.newBytes)} fetched)`
  }
  const ratio = (pick: (f: StreamFigures) => number) =>
    typeof r.ts === 'string' || typeof r.wt === 'string' ? '—' : `${(pick(r.ts) / pick(r.wt)).toFixed(2)}×`
  return [
    ['Paste → first frame', cell(r.ts, (f) => `${s(f.firstMs)} (second tab ${s(f.firstMs2)})`), cell(r.wt, (f) => `${s(f.firstMs)} (second tab ${s(f.firstMs2)})`), ratio((f) => f.firstMs), http((f) => [f.firstMs, f.first])],
    ['Seek to 50% → playing', cell(r.ts, (f) => s(f.seek50Ms)), cell(r.wt, (f) => s(f.seek50Ms)), ratio((f) => f.seek50Ms), http((f) => [f.seek50Ms, f.seek50])],
    ['Seek to 90% → playing', cell(r.ts, (f) => s(f.seek90Ms)), cell(r.wt, (f) => s(f.seek90Ms)), ratio((f) => f.seek90Ms), http((f) => [f.seek90Ms, f.seek90])],
    [
      `Stalls over the first ${r.windowS} s of playback`,
      cell(r.ts, (f) => `${f.stalls}, ${f.stalledS.toFixed(2)} s stalled (${f.playedS.toFixed(1)} s played)`),
      cell(r.wt, (f) => `${f.stalls}, ${f.stalledS.toFixed(2)} s stalled (${f.playedS.toFixed(1)} s played)`),
      '',
      typeof r.http === 'string' ? failed(r.http) : 'not measured',
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
    "On a seek Tabswarm's page tells its engine where the player is going at the player's `seeking` event (the time at",
    "the mean bitrate): the read-ahead asked of the seeder is cancelled and the pieces there are asked for before the",
    "player's own request has reached the service worker (60-80 ms later in traces). The player's other requests right",
    'after a seek (Chromium re-opens one where it was) neither cancel nor outrank the seek\'s; the worker takes each piece',
    "from the runner's push or from IndexedDB, whichever has it first; piece writes run in a worker of their own, off the",
    "page's main thread. What is left is the same for both clients: the player opens a new request, then needs a few",
    'hundred KiB from the keyframe on before it plays again (the HTTP bound above counts them). Over plain HTTP a P2P',
    'client adds a hop to the tab that runs the torrent and one to the seeder (25-100 ms each way between busy tabs of',
    'one browser on two shared cores), and gives the player nothing of a piece until all of it is verified.',
    '',
  ]
}

/**
 * The measured bound of the seek floors: how long plain HTTP at the same cap takes, and how many
 * bytes its player fetched from the seek until it played (the floors themselves stay as above).
 */
function bound(r: StreamReport): string[] {
  const h = r.http
  if (typeof h === 'string') return []
  const two = (a: number, b: number) => `${a.toFixed(2)}× and ${b.toFixed(2)}×`
  const vs = (label: string, f: StreamFigures | string) => (typeof f === 'string' ? [] : [`${label} ${two(f.seek50Ms / h.seek50Ms, f.seek90Ms / h.seek90Ms)} of it`])
  const out = [
    `Bound at the cap (same run; the clip from plain HTTP on 127.0.0.1, all responses drawing on one token bucket at`,
    `${Math.round(r.capBps / 1024)} KiB/s with a 16 KiB burst, no P2P, no service worker): seek to 50% ${s(h.seek50Ms)}, seek to 90% ${s(h.seek90Ms)}.`,
    `From the seek until playing the player fetched ${kib(h.seek50.newBytes)} and ${kib(h.seek90.newBytes)} in new requests (${h.seek50.requests} and ${h.seek90.requests}); with the tail of`,
    `the request it abandoned, the server sent ${kib(h.seek50.bytes)} and ${kib(h.seek90.bytes)}.`,
    [...vs("Tabswarm's seeks are", r.ts), ...vs("WebTorrent's", r.wt)].join(', ') + '.',
  ]
  if (typeof r.wt !== 'string') {
    const t50 = TIME_FLOOR * r.wt.seek50Ms
    const t90 = TIME_FLOOR * r.wt.seek90Ms
    out.push(`The floors (${TIME_FLOOR}× WebTorrent's) ask for ${s(t50)} and ${s(t90)}: ${two(t50 / h.seek50Ms, t90 / h.seek90Ms)} of plain HTTP's time at the cap.`)
  }
  return [...out.filter((l) => l !== '.'), '']
}

/** Prints the tables; writes the section unless BENCH_WRITE=0 or the window was shortened (BENCH_WRITE=1 forces it). */
export async function writeStreamSection(r: StreamReport): Promise<string | null> {
  const head = ['Figure', 'Tabswarm', 'WebTorrent 3', 'Tabswarm / WebTorrent', 'HTTP at the cap (bound)']
  printTable('Streaming', head, rows(r))
  printTable('Streaming floors', ['Floor', 'Measured', 'Result'], floors(r))
  const b = bound(r)
  if (b.length) console.log(`\n${b.join('\n')}`)
  const write = process.env.BENCH_WRITE === '1' || (process.env.BENCH_WRITE !== '0' && r.windowS === 60 && !r.partial)
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
    'The bound: a third fresh browser plays the same clip from a plain HTTP server (bench/lib/capped-http.ts) capped at',
    'the same rate, in one tab: setting the player\'s `src` and `play()` → first frame, then the same two seeks.',
    '',
    `Measured ${date} on ${machine()}; ${Math.round(r.elapsedS)} s; 1-min load average ${r.loads.map((l) => l.toFixed(1)).join(' at the start, ')} at the end.`,
    '',
    ...md(head, rows(r)),
    '',
    'Floors (issue 9):',
    '',
    ...md(['Floor', 'Measured', 'Result'], floors(r)),
    '',
    ...bound(r),
    ...reading(r),
  ].join('\n')
  return writeSection(text, 'Streaming')
}
