// The messages between HashPool and its workers, and their decoders. Both ends decode what
// they receive: a message event carries `unknown`, and a bad one must fail loudly, not hash
// garbage or leave a job hanging.

/** Pool → worker: hash `buffer` (transferred, so the pool's copy is detached). */
export interface HashRequest {
  type: 'sha1'
  id: number
  buffer: ArrayBuffer
}

/** Worker → pool: the digest, and the buffer transferred back for the caller to reuse. */
export interface HashDigest {
  type: 'digest'
  id: number
  digest: ArrayBuffer
  buffer: ArrayBuffer
}

/** Worker → pool: hashing failed; the buffer comes back when the worker still has it. */
export interface HashFailure {
  type: 'error'
  id: number
  message: string
  buffer: ArrayBuffer | null
}

export type HashReply = HashDigest | HashFailure

export class HashMessageError extends Error {
  override name = 'HashMessageError'
}

function fields(raw: unknown, who: string): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null) throw new HashMessageError(`${who}: message is not an object`)
  return raw as Record<string, unknown>
}

function id(m: Record<string, unknown>, who: string): number {
  if (typeof m.id !== 'number' || !Number.isSafeInteger(m.id)) throw new HashMessageError(`${who}: message has no numeric id`)
  return m.id
}

function buffer(v: unknown, who: string, what: string): ArrayBuffer {
  if (!(v instanceof ArrayBuffer)) throw new HashMessageError(`${who}: ${what} is not an ArrayBuffer`)
  return v
}

export function decodeHashRequest(raw: unknown): HashRequest {
  const who = 'hash worker got a bad request'
  const m = fields(raw, who)
  if (m.type !== 'sha1') throw new HashMessageError(`${who}: unknown type ${JSON.stringify(m.type)}`)
  return { type: 'sha1', id: id(m, who), buffer: buffer(m.buffer, who, 'buffer') }
}

export function decodeHashReply(raw: unknown): HashReply {
  const who = 'hash worker sent a bad reply'
  const m = fields(raw, who)
  if (m.type === 'digest') {
    const digest = buffer(m.digest, who, 'digest')
    if (digest.byteLength !== 20) throw new HashMessageError(`${who}: SHA-1 digest has ${digest.byteLength} bytes, not 20`)
    return { type: 'digest', id: id(m, who), digest, buffer: buffer(m.buffer, who, 'buffer') }
  }
  if (m.type === 'error') {
    if (typeof m.message !== 'string') throw new HashMessageError(`${who}: error without a message`)
    return { type: 'error', id: id(m, who), message: m.message, buffer: m.buffer === null ? null : buffer(m.buffer, who, 'buffer') }
  }
  throw new HashMessageError(`${who}: unknown type ${JSON.stringify(m.type)}`)
}
