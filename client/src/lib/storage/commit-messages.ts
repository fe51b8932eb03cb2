// The messages between the page's PieceStore and its store worker (store.worker.ts), which runs
// the batched piece commits off the page's main thread. Both ends decode what they receive: a
// message event carries `unknown`, and a bad one must fail loudly, never store garbage.

/** Page → worker: store these pieces and bitfields in one transaction (buffers transferred). */
export interface CommitRequest {
  type: 'commit'
  id: number
  writes: { infoHash: string; index: number; data: ArrayBuffer }[]
  bitfields: { infoHash: string; bits: ArrayBuffer }[]
}

/** Why one write of a committed batch was refused (the others were stored). */
export interface WriteRefusal {
  /** 'unknown-torrent': its torrent has no record (removed meanwhile); 'other': see message. */
  reason: 'unknown-torrent' | 'other'
  message: string
}

/** Worker → page: the transaction committed; one entry per write, null when stored. */
export interface CommitDone {
  type: 'committed'
  id: number
  results: (WriteRefusal | null)[]
}

/** Worker → page: nothing of the batch was stored. */
export interface CommitFailed {
  type: 'failed'
  id: number
  /** The browser refused for lack of quota; `message` is then the StorageFullError's detail. */
  full: boolean
  message: string
}

export type CommitReply = CommitDone | CommitFailed

export class CommitMessageError extends Error {
  override name = 'CommitMessageError'
}

const HEX40 = /^[0-9a-f]{40}$/

function fail(who: string, what: string): never {
  throw new CommitMessageError(`${who}: ${what}`)
}

function record(raw: unknown, who: string, what: string): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(who, `${what} is not an object`)
  return raw as Record<string, unknown>
}

function id(m: Record<string, unknown>, who: string): number {
  if (typeof m.id !== 'number' || !Number.isSafeInteger(m.id)) fail(who, 'message has no numeric id')
  return m.id
}

function infoHash(v: unknown, who: string): string {
  if (typeof v !== 'string' || !HEX40.test(v)) fail(who, 'an info hash is not 40 lowercase hex digits')
  return v
}

function list(v: unknown, who: string, what: string): unknown[] {
  if (!Array.isArray(v)) fail(who, `${what} is not a list`)
  return v
}

export function decodeCommitRequest(raw: unknown): CommitRequest {
  const who = 'store worker got a bad request'
  const m = record(raw, who, 'message')
  if (m.type !== 'commit') fail(who, `unknown type ${JSON.stringify(m.type)}`)
  const writes = list(m.writes, who, '"writes"').map((w) => {
    const r = record(w, who, 'a write')
    if (typeof r.index !== 'number' || !Number.isSafeInteger(r.index) || r.index < 0) fail(who, 'a write has no piece index')
    if (!(r.data instanceof ArrayBuffer) || r.data.byteLength === 0) fail(who, 'a write has no bytes')
    return { infoHash: infoHash(r.infoHash, who), index: r.index, data: r.data }
  })
  if (writes.length === 0) fail(who, 'a commit has no writes')
  const bitfields = list(m.bitfields, who, '"bitfields"').map((b) => {
    const r = record(b, who, 'a bitfield')
    if (!(r.bits instanceof ArrayBuffer)) fail(who, 'a bitfield has no bytes')
    return { infoHash: infoHash(r.infoHash, who), bits: r.bits }
  })
  return { type: 'commit', id: id(m, who), writes, bitfields }
}

export function decodeCommitReply(raw: unknown): CommitReply {
  const who = 'store worker sent a bad reply'
  const m = record(raw, who, 'message')
  if (m.type === 'failed') {
    if (typeof m.full !== 'boolean' || typeof m.message !== 'string') fail(who, 'a failure has no "full" or "message"')
    return { type: 'failed', id: id(m, who), full: m.full, message: m.message }
  }
  if (m.type !== 'committed') fail(who, `unknown type ${JSON.stringify(m.type)}`)
  const results = list(m.results, who, '"results"').map((r): WriteRefusal | null => {
    if (r === null) return null
    const f = record(r, who, 'a result')
    if ((f.reason !== 'unknown-torrent' && f.reason !== 'other') || typeof f.message !== 'string') fail(who, 'a refusal has no reason or message')
    return { reason: f.reason, message: f.message }
  })
  return { type: 'committed', id: id(m, who), results }
}
