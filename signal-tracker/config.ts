// Environment -> tracker options, validated up front: a malformed ICE_SERVERS or PORT must stop
// the start with a message that says what is wrong, not surface later as tabs that never connect.

import type { IceServer, TrackerOptions } from './server'

export class ConfigError extends Error {
  override name = 'ConfigError'
}

const ICE_SCHEMES = /^(stun|stuns|turn|turns):/

/** Parses ICE_SERVERS: a JSON array of RTCIceServer objects ({urls, username?, credential?}). */
export function parseIceServers(raw: string | undefined): IceServer[] {
  if (raw === undefined || raw.trim() === '') return []
  let v: unknown
  try {
    v = JSON.parse(raw)
  } catch (err) {
    throw new ConfigError(`ICE_SERVERS is not valid JSON (${(err as Error).message}); expected e.g. [{"urls":"stun:stun.example.org:3478"}]`)
  }
  if (!Array.isArray(v)) throw new ConfigError('ICE_SERVERS must be a JSON array of RTCIceServer objects')
  return v.map((s: unknown, i): IceServer => {
    if (typeof s !== 'object' || s === null || Array.isArray(s)) throw new ConfigError(`ICE_SERVERS[${i}] must be an object`)
    const o = s as Record<string, unknown>
    const urls = o.urls
    const list = typeof urls === 'string' ? [urls] : Array.isArray(urls) ? urls : null
    if (!list || list.length === 0 || !list.every((u) => typeof u === 'string' && ICE_SCHEMES.test(u))) {
      throw new ConfigError(`ICE_SERVERS[${i}].urls must be a stun:, stuns:, turn: or turns: URL or a non-empty array of them`)
    }
    const out: IceServer = { urls: urls as string | string[] }
    for (const k of ['username', 'credential'] as const) {
      if (o[k] === undefined) continue
      if (typeof o[k] !== 'string') throw new ConfigError(`ICE_SERVERS[${i}].${k} must be a string`)
      out[k] = o[k]
    }
    if (list.some((u) => (u as string).startsWith('turn')) && (out.username === undefined || out.credential === undefined)) {
      throw new ConfigError(`ICE_SERVERS[${i}]: a TURN server needs username and credential`)
    }
    return out
  })
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]
  if (raw === undefined || raw.trim() === '') return fallback
  const n = Number(raw)
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`)
  return n
}

/** A redis:// or rediss:// URL (REDIS_URL), checked here so a typo stops the start. */
export function parseRedisUrl(raw: string | undefined): string | undefined {
  if (raw === undefined || raw.trim() === '') return undefined
  let u: URL
  try { u = new URL(raw.trim()) } catch { throw new ConfigError(`REDIS_URL is not a URL: ${JSON.stringify(raw)}; expected e.g. redis://127.0.0.1:6379`) }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new ConfigError(`REDIS_URL must start with redis:// or rediss://, got ${JSON.stringify(u.protocol)}`)
  return u.href
}

/** HOST, PORT, ICE_SERVERS, ADMIN_TOKEN, MAX_CONN_PER_IP, STATIC_DIR, ANNOUNCE_INTERVAL, EVICTION_GRACE, REDIS_URL. */
export function optionsFromEnv(env: NodeJS.ProcessEnv): TrackerOptions {
  const opts: TrackerOptions = {
    host: env.HOST?.trim() || '127.0.0.1',
    port: integer(env, 'PORT', 8000, 0, 65535),
    iceServers: parseIceServers(env.ICE_SERVERS),
    maxConnPerIp: integer(env, 'MAX_CONN_PER_IP', 1000, 1, 1_000_000),
    announceInterval: integer(env, 'ANNOUNCE_INTERVAL', 120, 1, 86_400),
    evictionGraceMs: integer(env, 'EVICTION_GRACE', 30, 0, 86_400) * 1000,
  }
  const redisUrl = parseRedisUrl(env.REDIS_URL)
  if (redisUrl) opts.redisUrl = redisUrl
  if (env.ADMIN_TOKEN !== undefined && env.ADMIN_TOKEN !== '') opts.adminToken = env.ADMIN_TOKEN
  if (env.STATIC_DIR) opts.staticDir = env.STATIC_DIR
  return opts
}
