// The one message vocabulary between the service worker and the tabs, on one BroadcastChannel.
// A broadcast reaches every tab; only the tab that runs the torrent (it holds the torrent's Web
// Lock, see engine/tab-lock.ts) acts on a `need`, so no tab without the torrent can answer 404
// first (WebTorrent's race over all windows, webtorrent issues #2577 and #3007). Everything
// received is decoded from `unknown` here, on both sides.

import { MAX_PIECE_LENGTH } from '@shared/pieces'

export const STREAM_CHANNEL = 'tabswarm-stream'

export type Level = 'deadline' | 'readahead'
/** A torrent byte range [start, end). */
export type ByteRange = readonly [start: number, end: number]

export type StreamMessage =
  /**
   * Worker → runner: a response waits for `piece` (or will soon need the ranges). Re-sent every
   * couple of seconds while the response is open, which renews the lease on the priorities, so a
   * worker killed mid-stream never pins them, and a tab that takes a torrent over picks it up.
   */
  | { kind: 'need'; id: string; infoHash: string; piece: number | null; deadline: ByteRange; readahead: ByteRange }
  /** Worker → runner: the response finished or was cancelled (the player seeked away). */
  | { kind: 'release'; id: string }
  /**
   * Runner → worker: `piece` is verified. `bytes` are its contents when the runner just
   * downloaded it (the worker answers without reading them back; the IndexedDB write is under
   * way), or null when it was stored already.
   */
  | { kind: 'stored'; infoHash: string; piece: number; bytes: Uint8Array | null }
  /** Runner → worker: request `id` cannot be served (torrent removed, storage failure). */
  | { kind: 'failed'; id: string; infoHash: string; message: string }
  /** Page → worker: the media's bytes per second, once the player knows the duration. */
  | { kind: 'bitrate'; infoHash: string; fileIndex: number; bytesPerSecond: number }
  /**
   * Page → runner: a player started seeking to about file byte `position` (its guess from the
   * time and the mean bitrate). Sent on the player's `seeking` event, before the worker hears
   * the player's new request, so the pieces there are asked for that much earlier.
   */
  | { kind: 'seek'; infoHash: string; fileIndex: number; position: number }

export type StreamKind = StreamMessage['kind']

export class StreamMessageError extends Error {
  override name = 'StreamMessageError'
}

const INFO_HASH = /^[0-9a-f]{40}$/

function fail(why: string): never {
  throw new StreamMessageError(`Bad stream message: ${why}`)
}

export function decodeStreamMessage(raw: unknown): StreamMessage {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('not an object')
  const r = raw as Record<string, unknown>
  const str = (k: string): string => (typeof r[k] === 'string' && (r[k] as string).length <= 200 ? (r[k] as string) : fail(`"${k}" is not a short string`))
  const count = (k: string): number => {
    const v = r[k]
    return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : fail(`"${k}" is not a non-negative integer`)
  }
  const hash = (): string => {
    const v = str('infoHash')
    return INFO_HASH.test(v) ? v : fail('"infoHash" is not 40 lowercase hex digits')
  }
  const range = (k: string): ByteRange => {
    const v = r[k]
    if (!Array.isArray(v) || v.length !== 2) return fail(`"${k}" is not a [start, end] pair`)
    const [s, e] = v as unknown[]
    if (typeof s !== 'number' || typeof e !== 'number' || !Number.isSafeInteger(s) || !Number.isSafeInteger(e) || s < 0 || e < s) {
      return fail(`"${k}" is not a byte range`)
    }
    return [s, e]
  }
  switch (r.kind) {
    case 'need':
      return { kind: 'need', id: str('id'), infoHash: hash(), piece: r.piece === null ? null : count('piece'), deadline: range('deadline'), readahead: range('readahead') }
    case 'release':
      return { kind: 'release', id: str('id') }
    case 'stored':
      return { kind: 'stored', infoHash: hash(), piece: count('piece'), bytes: pieceBytes(r.bytes) }
    case 'failed':
      return { kind: 'failed', id: str('id'), infoHash: hash(), message: str('message') }
    case 'bitrate': {
      const bps = r.bytesPerSecond
      if (typeof bps !== 'number' || !Number.isFinite(bps) || bps <= 0) fail('"bytesPerSecond" is not a positive number')
      return { kind: 'bitrate', infoHash: hash(), fileIndex: count('fileIndex'), bytesPerSecond: bps }
    }
    case 'seek':
      return { kind: 'seek', infoHash: hash(), fileIndex: count('fileIndex'), position: count('position') }
    default:
      return fail(`unknown kind ${JSON.stringify(r.kind)}`)
  }
}

function pieceBytes(v: unknown): Uint8Array | null {
  if (v === null || v === undefined) return null
  if (!(v instanceof Uint8Array) || v.byteLength === 0 || v.byteLength > MAX_PIECE_LENGTH) return fail('"bytes" is not a piece')
  return v
}

/** Posts one message on the stream channel, from a page that does not listen to it. */
export function broadcastStream(m: StreamMessage): void {
  const channel = new BroadcastChannel(STREAM_CHANNEL)
  channel.postMessage(m)
  channel.close()
}

/** A BroadcastChannel speaking StreamMessage; undecodable messages are logged and dropped. */
export function openStreamChannel(onMessage: (m: StreamMessage) => void): { post(m: StreamMessage): void; close(): void } {
  const channel = new BroadcastChannel(STREAM_CHANNEL)
  channel.onmessage = (ev: MessageEvent<unknown>) => {
    let m: StreamMessage
    try {
      m = decodeStreamMessage(ev.data)
    } catch (err) {
      console.warn('[tabswarm]', err instanceof Error ? err.message : err)
      return
    }
    onMessage(m)
  }
  return { post: (m) => channel.postMessage(m), close: () => channel.close() }
}
