// What cluster nodes write to Redis and to each other: key names, the route stored per peer,
// and the messages on node channels. One encoder and one decoder each; decoders take what
// Redis hands back as `unknown` and refuse anything malformed (a bad message costs itself,
// never the node).

export const NODE_ID = /^[A-Za-z0-9_-]{1,64}$/
const HEX40 = /^[0-9a-f]{40}$/

/** Keys of one swarm; the {hash tag} keeps them on one Redis Cluster slot. */
export function swarmKeys(ihHex: string): { p: string; s: string; r: string; i: string } {
  const t = `ts:{${ihHex}}:`
  return { p: t + 'p', s: t + 's', r: t + 'r', i: t + 'i' }
}
export const NODES_KEY = 'ts:nodes'
export const SWARMS_KEY = 'ts:swarms'
export const nodeInfoKey = (node: string): string => `ts:nodeinfo:${node}`
export const nodeChannel = (node: string): string => `ts:node:${node}`

export interface Route { node: string; conn: number; uploaded: number; downloaded: number; lastSeen: number; name: string }

export const routePrefix = (node: string, conn: number): string => `${node}|${conn}|`

export function encodeRoute(r: Route): string {
  return `${r.node}|${r.conn}|${r.uploaded}|${r.downloaded}|${r.lastSeen}|${r.name}`
}

/** A non-negative integer field of a route or a batch header; NaN when it is not one. */
export const count = (s: string | undefined): number => {
  const n = Number(s)
  return s !== undefined && s !== '' && Number.isSafeInteger(n) && n >= 0 ? n : NaN
}

export function decodeRoute(v: unknown): Route | null {
  if (typeof v !== 'string') return null
  const parts = v.split('|')
  if (parts.length < 6) return null
  const [node, conn, up, down, seen] = parts
  const r = { node: node!, conn: count(conn), uploaded: count(up), downloaded: count(down), lastSeen: count(seen), name: parts.slice(5).join('|') }
  if (!NODE_ID.test(r.node) || Number.isNaN(r.conn + r.uploaded + r.downloaded + r.lastSeen)) return null
  return r
}

// ---- node channel messages: kind letter, newline-separated header fields, then a payload ----

export type NodeMessage =
  /** An offer frame for local peer `to` (connection `conn`), sent by peer `from` on `fromNode`. */
  | { kind: 'offer'; to: string; conn: number; fromNode: string; from: string; offerId: string; ih: string; frame: string }
  /** An answer for local offerer `to`, from `from` on `fromNode`; checked against the pending offer. */
  | { kind: 'answer'; to: string; fromNode: string; from: string; offerId: string; ih: string; frame: string }
  /** The answer of local peer `to` was refused by the offerer's node: no such pending offer. */
  | { kind: 'refused'; to: string; ih: string }
  /** Asks for this node's peer list (admin view); answer with `peers` to `fromNode`. */
  | { kind: 'peersQuery'; reqId: string; fromNode: string; limit: number }
  | { kind: 'peers'; reqId: string; body: string }

const LETTER = { offer: 'O', answer: 'A', refused: 'R', peersQuery: 'Q', peers: 'P' } as const
/** Several messages in one publish (outbox.ts): 'B', then per message its length, '\n', itself. */
const BATCH = 'B'

export function encodeBatch(messages: readonly string[]): string {
  let out = BATCH + '\n'
  for (const m of messages) out += m.length + '\n' + m
  return out
}

/**
 * The messages of one publish: a batch's parts, or the message itself. A malformed length
 * ends the batch (what was read before it stands); each part is decoded on its own.
 */
export function splitBatch(raw: unknown): unknown[] {
  if (typeof raw !== 'string' || !raw.startsWith(BATCH + '\n')) return [raw]
  const out: unknown[] = []
  let at = 2
  while (at < raw.length) {
    const nl = raw.indexOf('\n', at)
    const len = nl < 0 || nl - at > 9 ? NaN : count(raw.slice(at, nl))
    // null: decodes as a bad message, so the node's counter shows the damage.
    if (Number.isNaN(len) || nl + 1 + len > raw.length) { out.push(null); break }
    out.push(raw.slice(nl + 1, nl + 1 + len))
    at = nl + 1 + len
  }
  return out
}

export function encodeMessage(m: NodeMessage): string {
  switch (m.kind) {
    case 'offer': return [LETTER.offer, m.to, m.conn, m.fromNode, m.from, m.offerId, m.ih, m.frame].join('\n')
    case 'answer': return [LETTER.answer, m.to, m.fromNode, m.from, m.offerId, m.ih, m.frame].join('\n')
    case 'refused': return [LETTER.refused, m.to, m.ih].join('\n')
    case 'peersQuery': return [LETTER.peersQuery, m.reqId, m.fromNode, m.limit].join('\n')
    case 'peers': return [LETTER.peers, m.reqId, m.body].join('\n')
  }
}

/** The first `n` newline-separated fields, then the rest (which may hold newlines) as one. */
function fields(s: string, n: number): string[] | null {
  const out: string[] = []
  let at = 0
  for (let i = 0; i < n; i++) {
    const nl = s.indexOf('\n', at)
    if (nl < 0) return null
    out.push(s.slice(at, nl))
    at = nl + 1
  }
  out.push(s.slice(at))
  return out
}

const hexId = (s: string | undefined): s is string => s !== undefined && HEX40.test(s)
const nodeId = (s: string | undefined): s is string => s !== undefined && NODE_ID.test(s)

export function decodeMessage(raw: unknown): NodeMessage | null {
  if (typeof raw !== 'string' || raw.length < 2 || raw[1] !== '\n') return null
  const body = raw.slice(2)
  switch (raw[0]) {
    case LETTER.offer: {
      const f = fields(body, 6)
      if (!f) return null
      const [to, conn, fromNode, from, offerId, ih, frame] = f
      const c = count(conn)
      if (!hexId(to) || Number.isNaN(c) || !nodeId(fromNode) || !hexId(from) || !hexId(offerId) || !hexId(ih) || !frame) return null
      return { kind: 'offer', to, conn: c, fromNode, from, offerId, ih, frame }
    }
    case LETTER.answer: {
      const f = fields(body, 5)
      if (!f) return null
      const [to, fromNode, from, offerId, ih, frame] = f
      if (!hexId(to) || !nodeId(fromNode) || !hexId(from) || !hexId(offerId) || !hexId(ih) || !frame) return null
      return { kind: 'answer', to, fromNode, from, offerId, ih, frame }
    }
    case LETTER.refused: {
      const f = fields(body, 1)
      if (!f || !hexId(f[0]) || !hexId(f[1])) return null
      return { kind: 'refused', to: f[0], ih: f[1] }
    }
    case LETTER.peersQuery: {
      const f = fields(body, 2)
      if (!f) return null
      const [reqId, fromNode, limit] = f
      const l = count(limit)
      if (!nodeId(reqId) || !nodeId(fromNode) || Number.isNaN(l)) return null
      return { kind: 'peersQuery', reqId, fromNode, limit: l }
    }
    case LETTER.peers: {
      const f = fields(body, 1)
      if (!f || !nodeId(f[0])) return null
      return { kind: 'peers', reqId: f[0], body: f[1]! }
    }
    default: return null
  }
}

// ---- script replies ----

export interface Counts { complete: number; incomplete: number; completed: number; name: string | null; size: number | null }

const nonNeg = (v: unknown): number | null => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : null)

/** The first five entries of a tsCounts or tsDetail reply. */
export function decodeCounts(v: unknown): Counts | null {
  if (!Array.isArray(v) || v.length < 5) return null
  const [complete, incomplete, completed, name, size] = v.map((x) => x as unknown)
  const c = nonNeg(complete), i = nonNeg(incomplete), d = nonNeg(completed)
  if (c === null || i === null || d === null || typeof name !== 'string' || typeof size !== 'string') return null
  const n = size === '' ? null : Number(size)
  return { complete: c, incomplete: i, completed: d, name: name === '' ? null : name, size: n !== null && Number.isSafeInteger(n) && n >= 0 ? n : null }
}

/** {complete, incomplete, ...rest} of a tsAnnounce or tsLeave reply. */
export function decodeHead(v: unknown, skip: number): { complete: number; incomplete: number; rest: unknown[] } | null {
  if (!Array.isArray(v) || v.length < skip + 2) return null
  const c = nonNeg(v[skip]), i = nonNeg(v[skip + 1])
  if (c === null || i === null) return null
  return { complete: c, incomplete: i, rest: v.slice(skip + 2) }
}

export const isHexId = (v: unknown): v is string => typeof v === 'string' && HEX40.test(v)
