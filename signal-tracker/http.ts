// HTTP on the tracker's port: the built client (static files), the dashboard page, the public
// ICE configuration and the admin JSON views (Bearer token when ADMIN_TOKEN is set).

import { createHash, timingSafeEqual } from 'node:crypto'
import { createReadStream, readFileSync } from 'node:fs'
import { stat } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { extname, resolve, sep } from 'node:path'
import { hexToBinaryString } from '../shared/binary'
import { ViewUnavailable } from './admin-views'
import type { AdminViews } from './admin-views'
import type { StatsHistory } from './history'

export interface IceServer { urls: string | string[]; username?: string; credential?: string }

export interface HttpContext {
  /** The admin JSON views (in-memory or cluster-wide). */
  views: AdminViews
  iceServers: IceServer[]
  adminToken: string | undefined
  staticDir: string | null
  /** Peers and torrents over the last hour, for the dashboard chart (GET /api/history). */
  history?: StatsHistory
}

// Read once: the page is small and fixed; re-reading per request buys nothing.
const DASHBOARD_HTML = readFileSync(new URL('./dashboard/index.html', import.meta.url))

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json; charset=utf-8', '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.webp': 'image/webp', '.jpg': 'image/jpeg',
  '.wasm': 'application/wasm', '.txt': 'text/plain; charset=utf-8', '.webmanifest': 'application/manifest+json',
  '.woff2': 'font/woff2',
}

const DEFAULT_LIMIT = 1000
const MAX_LIMIT = 10000

function send(res: ServerResponse, status: number, body: string | Buffer, type: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'x-content-type-options': 'nosniff', ...extra })
  res.end(res.req.method === 'HEAD' ? undefined : body)
}

function json(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, JSON.stringify(value), 'application/json; charset=utf-8', { 'cache-control': 'no-store' })
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest()

/** Constant-time check (hashing first makes the comparison length-independent too). */
function authorized(req: IncomingMessage, token: string | undefined): boolean {
  if (token === undefined) return true
  const h = req.headers.authorization ?? ''
  return timingSafeEqual(digest(h), digest(`Bearer ${token}`))
}

function limitOf(url: URL): number {
  const n = Number(url.searchParams.get('limit') ?? DEFAULT_LIMIT)
  return Number.isInteger(n) && n > 0 ? Math.min(n, MAX_LIMIT) : DEFAULT_LIMIT
}

export function createRequestHandler(ctx: HttpContext): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handle(ctx, req, res).catch((err: unknown) => {
      if (err instanceof ViewUnavailable && !res.headersSent) return json(res, 503, { error: err.message })
      console.error('signal-tracker: http error', err)
      if (!res.headersSent) json(res, 500, { error: 'internal error' })
      else res.destroy()
    })
  }
}

async function handle(ctx: HttpContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return json(res, 405, { error: 'method not allowed' })
  }
  const url = new URL(req.url ?? '/', 'http://localhost')
  const path = url.pathname
  if (path === '/api/ice') return json(res, 200, { iceServers: ctx.iceServers })
  if (path === '/dashboard' || path === '/dashboard/') {
    return send(res, 200, DASHBOARD_HTML, 'text/html; charset=utf-8', {
      'cache-control': 'no-cache',
      'content-security-policy': "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'",
    })
  }
  if (path.startsWith('/api/')) {
    if (!authorized(req, ctx.adminToken)) {
      return json(res, 401, { error: 'admin token required' })
    }
    if (path === '/api/stats') return json(res, 200, await ctx.views.stats())
    if (path === '/api/files') return json(res, 200, await ctx.views.files(limitOf(url)))
    if (path === '/api/peers') return json(res, 200, await ctx.views.peers(limitOf(url)))
    if (path === '/api/history') return json(res, 200, ctx.history?.view() ?? { intervalMs: 0, windowMs: 0, samples: [] })
    const m = /^\/api\/files\/([0-9a-fA-F]{40})$/.exec(path)
    if (m) {
      const view = await ctx.views.file(hexToBinaryString(m[1]!))
      return view ? json(res, 200, view) : json(res, 404, { error: 'no such torrent' })
    }
    if (path.startsWith('/api/files/')) return json(res, 400, { error: 'info hash must be 40 hex characters' })
    return json(res, 404, { error: 'not found' })
  }
  return serveStatic(ctx.staticDir, path, res)
}

async function serveStatic(dir: string | null, path: string, res: ServerResponse): Promise<void> {
  const notFound = (): void => {
    if (path === '/') send(res, 503, 'The client is not built: run `npm run build`.\n', 'text/plain; charset=utf-8')
    else send(res, 404, 'Not found\n', 'text/plain; charset=utf-8')
  }
  if (!dir) return notFound()
  let rel: string
  try { rel = decodeURIComponent(path) } catch { return notFound() }
  if (rel.includes('\0')) return notFound()
  rel = rel === '/' ? 'index.html' : rel.slice(1)
  const root = resolve(dir)
  const file = resolve(root, rel)
  if (!file.startsWith(root + sep)) return notFound()
  const st = await stat(file).catch(() => null)
  if (!st || !st.isFile()) return notFound()
  // Vite fingerprints everything under assets/; the rest (index.html) must be revalidated.
  const cache = rel.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache'
  res.writeHead(200, {
    'content-type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
    'content-length': st.size,
    'cache-control': cache,
    'x-content-type-options': 'nosniff',
  })
  if (res.req.method === 'HEAD') return void res.end()
  createReadStream(file).on('error', () => res.destroy()).pipe(res)
}
