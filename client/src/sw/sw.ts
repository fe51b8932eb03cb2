// Tabswarm's service worker: answers `/stream/<info hash>/<file index>` with HTTP range responses
// built from the pieces in IndexedDB, so a <video> can play and seek a file while it downloads,
// in any tab of the browser. Every other request goes to the network untouched.
//
// Updates: no skipWaiting. A new version waits until every tab of the old one is closed, so a
// stream open in the old worker always finishes in it (issue 9, "bad input").
import { contentRange, answerRange, parseStreamPath } from '../lib/stream/range'
import { mimeOf } from '../lib/stream/media'
import { askFor, fileStream, type StreamTarget } from './file-stream'
import { Runners } from './runners'
import { scope, type FetchEventLike } from './scope'
import { StoredTorrents } from './stored'
import type { TorrentInfo } from '@shared/torrent'

const stored = new StoredTorrents()
const runners = new Runners()
let nextId = 0
const workerId = Math.random().toString(36).slice(2, 10)

scope.addEventListener('install', () => {
  // Nothing to precache: the app shell is served by the tracker with revalidation.
})

scope.addEventListener('activate', (ev) => {
  // The very first visit is controlled at once, so its Play works without a reload.
  ev.waitUntil(scope.clients.claim())
})

scope.addEventListener('fetch', (ev: FetchEventLike) => {
  const url = new URL(ev.request.url)
  if (url.origin !== scope.location.origin) return
  const target = parseStreamPath(url.pathname)
  if (!target) return
  ev.respondWith(
    serve(ev, target).catch((err: unknown) => text(500, `Streaming failed: ${err instanceof Error ? err.message : String(err)}`)),
  )
})

function text(status: number, body: string, headers: Record<string, string> = {}): Response {
  return new Response(`${body}\n`, { status, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...headers } })
}

async function serve(ev: FetchEventLike, target: NonNullable<ReturnType<typeof parseStreamPath>>): Promise<Response> {
  const req = ev.request
  if (req.method !== 'GET' && req.method !== 'HEAD') return text(405, 'Only GET and HEAD', { Allow: 'GET, HEAD' })
  if ('bad' in target) return text(404, target.bad)
  const { infoHash, fileIndex } = target
  const id = `${workerId}-${nextId++}`
  // A torrent played before: the runner is asked for the bytes before IndexedDB is read (see
  // askFor). If the read then finds no stream to serve, the ask is taken back.
  const early = req.method === 'GET' ? earlyTarget(id, infoHash, fileIndex, req.headers.get('range')) : null
  let served = false
  try {
    const response = await respond(ev, id, infoHash, fileIndex, early !== null)
    served = response.body !== null && response.status < 300
    return response
  } finally {
    if (early && !served) runners.release(id)
  }
}

function earlyTarget(id: string, infoHash: string, fileIndex: number, range: string | null): StreamTarget | null {
  const info = stored.knownInfo(infoHash)
  const file = info?.files[fileIndex]
  if (!info || !file || file.length === 0) return null
  const answer = answerRange(range, file.length)
  if (answer.status === 416) return null
  const o: StreamTarget = { id, infoHash, fileIndex, file, pieceLength: info.pieceLength, runners }
  askFor(o, answer.start)
  return o
}

async function respond(ev: FetchEventLike, id: string, infoHash: string, fileIndex: number, asked: boolean): Promise<Response> {
  const req = ev.request
  // A torrent played before is answered from its info dict, which never changes, without waiting
  // for IndexedDB: the worker's reads queue behind the runner's piece writes, and a request the
  // player re-opened right after a seek, its pieces already pushed here, waited 70 ms for the
  // torrent's record in the stream benchmark's traces. The record is still read: if the torrent
  // is gone, the body ends with that error.
  const known = stored.knownInfo(infoHash)
  const record = stored.torrent(infoHash)
  // Answered without it (416, HEAD, no such file): a failed read must not go unhandled.
  if (known) record.catch(() => undefined)
  let info: TorrentInfo
  if (known) info = known
  else {
    const t = await record
    if (!t) return text(404, `No torrent with info hash ${infoHash} in this browser`)
    if (!t.info) return text(503, `"${t.record.name}" has no metadata yet; try again once its files are listed`, { 'Retry-After': '2' })
    info = t.info
  }
  const file = info.files[fileIndex]
  if (!file) return text(404, `Torrent "${info.name}" has no file ${fileIndex} (it has ${info.files.length})`)

  const answer = answerRange(req.headers.get('range'), file.length)
  if (answer.status === 416) return text(416, `Range outside the file (${file.length} bytes)`, { 'Content-Range': contentRange(answer, file.length) })
  const name = file.path.slice(file.path.lastIndexOf('/') + 1)
  const headers: Record<string, string> = {
    'Content-Type': mimeOf(file.path),
    'Content-Length': String(answer.end - answer.start + 1),
    'Accept-Ranges': 'bytes',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    // A torrent's file opened as a page must not run as our origin (it could read IndexedDB).
    'Content-Security-Policy': "sandbox; default-src 'none'; img-src 'self'; media-src 'self'",
    'Content-Disposition': `inline; filename*=UTF-8''${encodeURIComponent(name)}`,
  }
  if (answer.status === 206) headers['Content-Range'] = contentRange(answer, file.length)
  if (req.method === 'HEAD' || file.length === 0) return new Response(null, { status: answer.status, headers })

  const { body, done } = fileStream({
    id,
    infoHash,
    fileIndex,
    file,
    pieceLength: info.pieceLength,
    start: answer.start,
    end: answer.end,
    stored,
    runners,
    signal: req.signal,
    asked,
    removed: known ? record.then((t) => t === null, () => false) : undefined,
  })
  // Keeps the worker alive while the response streams (the browser may stop an idle worker).
  ev.waitUntil(done)
  return new Response(body, { status: answer.status, headers })
}
