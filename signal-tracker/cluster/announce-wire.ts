// One announce as it travels to Redis and back: its arguments packed into one string, and
// the script's reply as one string (scripts.ts unpacks and packs them in Lua).
//
// Why packed: a node sends up to 64 announces per script call, and with eleven arguments each
// ioredis built, measured and wrote about 700 bulk strings per call; the reply came back as 64
// arrays of up to 32 bulk strings, each parsed by ioredis in JavaScript. CPU profiles of a
// loaded node had ioredis's encoding and the socket write of those strings at 6-13% of its
// time. One string each way costs one bulk string per announce.
//
// Fields are separated by '\n': no field can hold one (ids are hex, routes and counts are
// ours, and the protocol decoder strips control characters from peer and file names).

import { NODE_ID, count } from './wire'
import type { Route } from './wire'

export interface AnnounceArgs {
  now: number
  expiresAt: number
  /** The peer id, hex. */
  id: string
  route: string
  seeder: boolean
  event: string
  /** How many random other members to return (0: none, no offers to relay). */
  pool: number
  ttlMs: number
  /** The torrent's name and size as this announce reported them, for the catalogue. */
  name?: string
  size?: number
}

export function encodeAnnounce(a: AnnounceArgs): string {
  const cat = a.name !== undefined || a.size !== undefined
  return `${a.now}\n${a.expiresAt}\n${a.id}\n${a.route}\n${a.seeder ? 1 : 0}\n${a.event}\n${a.pool}\n${a.ttlMs}\n${cat ? 1 : 0}\n` +
    `${a.name ?? ''}\n${a.size ?? ''}`
}

export interface AnnounceReply {
  complete: number
  incomplete: number
  /** Pairs: a member's hex id, then its route head "node|conn|uploaded". */
  members: string[]
}

/** A tsAnnounce reply: "complete\nincomplete[\nid\nroute head]...". */
export function decodeAnnounceReply(v: unknown): AnnounceReply | null {
  if (typeof v !== 'string') return null
  const parts = v.split('\n')
  const complete = count(parts[0])
  const incomplete = count(parts[1])
  if (Number.isNaN(complete + incomplete) || parts.length % 2 !== 0) return null
  return { complete, incomplete, members: parts.slice(2) }
}

/** What relaying an offer needs of a route: where the peer is, and its upload for the weighting. */
export type RouteHead = Pick<Route, 'node' | 'conn' | 'uploaded'>

/**
 * The first three fields of a route (a whole one, or the head an announce reply carries), read
 * in place: splitting each candidate's route whole (an array and six strings) for three fields
 * was a measurable part of a loaded node's allocation.
 */
export function decodeRouteHead(v: unknown): RouteHead | null {
  if (typeof v !== 'string') return null
  const a = v.indexOf('|')
  const b = v.indexOf('|', a + 1)
  if (a < 0 || b < 0) return null
  const c = v.indexOf('|', b + 1)
  const node = v.slice(0, a)
  const conn = count(v.slice(a + 1, b))
  const uploaded = count(v.slice(b + 1, c < 0 ? v.length : c))
  if (!NODE_ID.test(node) || Number.isNaN(conn + uploaded)) return null
  return { node, conn, uploaded }
}
