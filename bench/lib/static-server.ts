// A tiny static server on 127.0.0.1 for the bench's own pages (raw data channel, WebTorrent,
// hashing). Routes: /<file> from bench/pages, /webtorrent.min.js from the webtorrent package,
// /hash/<file> from the built hash page.
import { createReadStream, existsSync, statSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { BENCH_DIR, ROOT } from './env'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.css': 'text/css',
}

export interface StaticServer {
  url: string
  close(): Promise<void>
}

export async function startStaticServer(hashPageDir: string | null): Promise<StaticServer> {
  const mounts: Array<[string, string]> = [
    ['/webtorrent/', path.join(ROOT, 'node_modules', 'webtorrent', 'dist')],
    ...(hashPageDir ? ([['/hash/', hashPageDir]] as Array<[string, string]>) : []),
    ['/', path.join(BENCH_DIR, 'pages')],
  ]
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    let pathname = decodeURIComponent(url.pathname)
    if (pathname === '/favicon.ico') {
      res.writeHead(204).end()
      return
    }
    if (pathname.endsWith('/')) pathname += 'index.html'
    // WebTorrent's service worker at the origin's root, so its scope covers the stream page.
    if (pathname === '/wt-sw.min.js') pathname = '/webtorrent/sw.min.js'
    for (const [prefix, dir] of mounts) {
      if (!pathname.startsWith(prefix)) continue
      const file = path.join(dir, pathname.slice(prefix.length))
      if (!file.startsWith(dir + path.sep) || !existsSync(file) || !statSync(file).isFile()) continue
      res.writeHead(200, {
        'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
        'cache-control': 'no-store',
      })
      createReadStream(file).pipe(res)
      return
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found')
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
