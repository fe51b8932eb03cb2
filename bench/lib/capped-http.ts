// The physical bound of the `stream` scenario: the same clip from a plain HTTP server on 127.0.0.1
// whose sending is capped at the seeders' rate. No P2P, no pieces, no service worker: the fastest
// any player can stream at that cap. Routes: `/` (any query) a page with the player, `/media` (any
// query) the clip with Range support. Every response draws from ONE token bucket, because a
// seeder's cap is per seeder, not per connection: a seek's new request shares the cap with the
// request the player is about to abandon, as it does with a seeder.
import { open, stat } from 'node:fs/promises'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import parseRange from 'range-parser'

/** Written per write() and paced by the bucket; also the bucket's burst, so the cap holds within 16 KiB. */
const CHUNK = 16 * 1024

export interface SentWindow {
  /** Bytes written in the window by every response. */
  bytes: number
  /** Of those, bytes of responses whose request arrived inside the window (what the seek asked for). */
  newBytes: number
  /** Requests that arrived inside the window. */
  requests: number
}

export interface CappedHttp {
  /** The page with the player (`video[data-testid=player][data-file]`), with a query of its own. */
  url: string
  /** The clip's path on the server, with a query of its own, so no cache answers for another tab. */
  mediaPath(): string
  /** Bytes written so far, all responses together. */
  bytesSent(): number
  /** What was written between two wall-clock instants (epoch ms, as `performance.timeOrigin + now` in a page). */
  sentBetween(fromMs: number, toMs: number): SentWindow
  close(): Promise<void>
}

/** Epoch ms with sub-ms resolution: comparable with a page's performance.timeOrigin + performance.now(). */
const nowMs = () => performance.timeOrigin + performance.now()

/** A FIFO token bucket: take() resolves when the bytes may go, in the order asked. */
function tokenBucket(bps: number) {
  let tokens = CHUNK
  let last = nowMs()
  const queue: Array<{ n: number; go: () => void }> = []
  let timer: NodeJS.Timeout | null = null
  const pump = () => {
    timer = null
    const t = nowMs()
    tokens = Math.min(CHUNK, tokens + ((t - last) / 1000) * bps)
    last = t
    while (queue.length && tokens >= queue[0]!.n) {
      const w = queue.shift()!
      tokens -= w.n
      w.go()
    }
    if (queue.length) timer = setTimeout(pump, Math.max(1, ((queue[0]!.n - tokens) / bps) * 1000))
  }
  return {
    take(n: number, signal: AbortSignal): Promise<void> {
      return new Promise<void>((resolve, reject) => {
        // An aborted request leaves the queue without taking tokens: the cap goes to the others.
        const onAbort = () => {
          const i = queue.indexOf(w)
          if (i >= 0) queue.splice(i, 1)
          reject(new Error('aborted'))
        }
        const w = {
          n,
          go: () => {
            signal.removeEventListener('abort', onAbort)
            resolve()
          },
        }
        if (signal.aborted) return onAbort()
        signal.addEventListener('abort', onAbort, { once: true })
        queue.push(w)
        if (!timer) pump()
      })
    },
    stop() {
      if (timer) clearTimeout(timer)
    },
  }
}

const page = (name: string) => `<!doctype html>
<meta charset="utf-8">
<title>bench: HTTP at the cap</title>
<video data-testid="player" data-file="${name}" muted playsinline preload="auto" style="width: 640px"></video>
`

export async function startCappedHttp(filePath: string, capBps: number): Promise<CappedHttp> {
  if (!(capBps > 0)) throw new Error(`capBps must be positive, got ${capBps}`)
  const { size } = await stat(filePath)
  const fh = await open(filePath, 'r')
  const bucket = tokenBucket(capBps)
  const name = path.basename(filePath)
  let total = 0
  let nextId = 0
  /** [epoch ms, bytes, request id] per write; a run writes a few thousand chunks. */
  const writes: Array<[number, number, number]> = []
  /** Arrival time per request id. */
  const arrivals: number[] = []

  async function send(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const id = nextId++
    arrivals[id] = nowMs()
    const header = req.headers.range
    let start = 0
    let end = size - 1
    const common = { 'content-type': 'video/mp4', 'accept-ranges': 'bytes', 'cache-control': 'no-store' }
    if (header !== undefined) {
      const r = parseRange(size, header, { combine: true })
      // -1 unsatisfiable, -2 malformed; several ranges (Chromium never asks) are refused too.
      if (r === -1 || r === -2 || r.type !== 'bytes' || r.length !== 1) {
        res.writeHead(416, { ...common, 'content-range': `bytes */${size}` }).end()
        return
      }
      start = r[0]!.start
      end = r[0]!.end
      res.writeHead(206, { ...common, 'content-range': `bytes ${start}-${end}/${size}`, 'content-length': end - start + 1 })
    } else {
      res.writeHead(200, { ...common, 'content-length': size })
    }
    if (req.method === 'HEAD') {
      res.end()
      return
    }
    // The player drops a request on a seek: stop sending (and stop drawing tokens) at once.
    const ac = new AbortController()
    res.on('close', () => ac.abort())
    try {
      for (let pos = start; pos <= end && !ac.signal.aborted; ) {
        const buf = Buffer.allocUnsafe(Math.min(CHUNK, end + 1 - pos))
        const { bytesRead } = await fh.read(buf, 0, buf.length, pos)
        if (bytesRead === 0) throw new Error(`${filePath} shrank at ${pos}`)
        await bucket.take(bytesRead, ac.signal)
        if (ac.signal.aborted) break
        const ok = res.write(buf.subarray(0, bytesRead))
        total += bytesRead
        writes.push([nowMs(), bytesRead, id])
        pos += bytesRead
        if (!ok) {
          await new Promise<void>((resolve) => {
            const done = () => {
              res.off('drain', done)
              ac.signal.removeEventListener('abort', done)
              resolve()
            }
            res.on('drain', done)
            ac.signal.addEventListener('abort', done)
          })
        }
      }
      if (!ac.signal.aborted) res.end()
    } catch (err) {
      if (!ac.signal.aborted) res.destroy(err instanceof Error ? err : new Error(String(err)))
    }
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end()
    } else if (url.pathname === '/' || url.pathname === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(page(name))
    } else if (url.pathname === '/media') {
      void send(req, res)
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found')
    }
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  let n = 0
  const unique = () => `${Date.now().toString(36)}-${n++}`
  return {
    url: `http://127.0.0.1:${port}/?v=${unique()}`,
    mediaPath: () => `/media?v=${unique()}`,
    bytesSent: () => total,
    sentBetween(fromMs, toMs) {
      let bytes = 0
      let newBytes = 0
      for (const [t, b, id] of writes) {
        if (t < fromMs || t > toMs) continue
        bytes += b
        if (arrivals[id]! >= fromMs) newBytes += b
      }
      return { bytes, newBytes, requests: arrivals.filter((t) => t >= fromMs && t <= toMs).length }
    },
    async close() {
      bucket.stop()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await fh.close()
    },
  }
}
