// The WebTorrent WebSocket tracker protocol, as spoken between Tabswarm tabs and our signal
// tracker (and by WebTorrent clients and bittorrent-tracker servers, whose frames these decoders
// accept unchanged). Shared by the Node tracker and the browser client: no Node imports here.
//
// Wire form: JSON text frames. Ids (`info_hash`, `peer_id`, `to_peer_id`, `offer_id`) are
// 20-character "binary strings" whose char codes are the bytes (0-255). Our own extras
// (`peer_name`, `file_name`, `file_size`, `connected`) are optional fields other clients ignore.

export const ACTION_ANNOUNCE = 'announce'
export const ACTION_SCRAPE = 'scrape'
export const FAILURE_KEY = 'failure reason'
export const WARNING_KEY = 'warning message'

/** The `kind` of each decoded message, defined once for tracker and client. */
export const Kind = {
  // client -> tracker
  Announce: 'announce',
  Answer: 'answer',
  Scrape: 'scrape',
  // tracker -> client
  AnnounceResponse: 'announce-response',
  RelayedOffer: 'relayed-offer',
  RelayedAnswer: 'relayed-answer',
  ScrapeResponse: 'scrape-response',
  Failure: 'failure',
  Warning: 'warning',
} as const

export const ID_LENGTH = 20
export const MAX_FRAME_BYTES = 64 * 1024
export const MAX_OFFERS = 10
export const MAX_SDP_LENGTH = 16 * 1024
export const MAX_SCRAPE_HASHES = 255
export const MAX_CONNECTED_PEERS = 255
export const MAX_PEER_NAME_LENGTH = 64
export const MAX_FILE_NAME_LENGTH = 255

export type AnnounceEvent = 'started' | 'stopped' | 'completed' | 'update'

export interface OfferSignal { type: 'offer'; sdp: string }
export interface AnswerSignal { type: 'answer'; sdp: string }
export interface OutgoingOffer { offer_id: string; offer: OfferSignal }

// ---- client -> tracker ------------------------------------------------------------------

export interface AnnounceMessage {
  kind: typeof Kind.Announce
  action: typeof ACTION_ANNOUNCE
  info_hash: string
  peer_id: string
  /** Absent on the wire means an interval update; decoding normalises it to 'update'. */
  event: AnnounceEvent
  numwant?: number
  uploaded?: number
  downloaded?: number
  /** Bytes still missing; undefined when unknown (WebTorrent sends null before metadata). */
  left?: number
  offers: OutgoingOffer[]
  peer_name?: string
  file_name?: string
  file_size?: number
  /** Peer ids this client already has a live connection with: no offers are sent to them. */
  connected?: string[]
}

export interface AnswerMessage {
  kind: typeof Kind.Answer
  action: typeof ACTION_ANNOUNCE
  info_hash: string
  peer_id: string
  to_peer_id: string
  offer_id: string
  answer: AnswerSignal
  peer_name?: string
}

export interface ScrapeMessage {
  kind: typeof Kind.Scrape
  action: typeof ACTION_SCRAPE
  /** Empty when the frame named no hash (the tracker refuses to dump everything). */
  info_hash: string[]
}

export type ClientMessage = AnnounceMessage | AnswerMessage | ScrapeMessage

// ---- tracker -> client ------------------------------------------------------------------

export interface AnnounceResponse {
  kind: typeof Kind.AnnounceResponse
  action: typeof ACTION_ANNOUNCE
  info_hash: string
  interval: number
  complete: number
  incomplete: number
}

/** A relayed offer (`peer_id` is the offerer) or answer (`peer_id` is the answerer). */
interface Relayed {
  action: typeof ACTION_ANNOUNCE
  info_hash: string
  peer_id: string
  offer_id: string
  peer_name?: string
}
export interface RelayedOffer extends Relayed { kind: typeof Kind.RelayedOffer; offer: OfferSignal }
export interface RelayedAnswer extends Relayed { kind: typeof Kind.RelayedAnswer; answer: AnswerSignal }

export interface ScrapeEntry { complete: number; incomplete: number; downloaded: number }
export interface ScrapeResponse {
  kind: typeof Kind.ScrapeResponse
  action: typeof ACTION_SCRAPE
  /** Keyed by binary info hash, as on the wire. */
  files: Record<string, ScrapeEntry>
}

export interface FailureMessage { kind: typeof Kind.Failure; reason: string; action?: string; info_hash?: string }
export interface WarningMessage { kind: typeof Kind.Warning; message: string; info_hash?: string }

export type TrackerMessage =
  | AnnounceResponse | RelayedOffer | RelayedAnswer | ScrapeResponse | FailureMessage | WarningMessage

// ---- decoding ---------------------------------------------------------------------------

export class TrackerProtocolError extends Error {
  override name = 'TrackerProtocolError'
  /** What we could tell about the frame before it failed, so a refusal can name its torrent. */
  action?: string
  info_hash?: string
}

type Obj = Record<string, unknown>

function fail(reason: string, o?: Obj): never {
  const err = new TrackerProtocolError(reason)
  if (o) {
    if (typeof o.action === 'string' && o.action.length <= 16) err.action = o.action
    if (isBinaryId(o.info_hash)) err.info_hash = o.info_hash
  }
  throw err
}

/** A 20-char string of char codes 0-255: the wire form of every id. */
export function isBinaryId(v: unknown): v is string {
  if (typeof v !== 'string' || v.length !== ID_LENGTH) return false
  for (let i = 0; i < ID_LENGTH; i++) if (v.charCodeAt(i) > 255) return false
  return true
}

function toObject(raw: unknown): Obj {
  if (typeof raw === 'string') {
    let v: unknown
    try { v = JSON.parse(raw) } catch { fail('frame is not valid JSON') }
    raw = v
  } else if (raw instanceof ArrayBuffer || ArrayBuffer.isView(raw)) {
    fail('binary frames are not accepted; send JSON text')
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('frame must be a JSON object')
  return raw as Obj
}

function id(o: Obj, key: string): string {
  const v = o[key]
  if (!isBinaryId(v)) fail(`invalid ${key}: expected a ${ID_LENGTH}-character binary string`, o)
  return v
}

/** Non-negative safe integer, or undefined when absent/null (WebTorrent sends null for NaN). */
function count(o: Obj, key: string): number | undefined {
  const v = o[key]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'number' || !(v >= 0) || v > Number.MAX_SAFE_INTEGER) fail(`invalid ${key}: expected a non-negative number`, o)
  return Math.floor(v)
}

/** Optional display text: control characters stripped, length capped rather than refused. */
function text(o: Obj, key: string, max: number): string | undefined {
  const v = o[key]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'string') fail(`invalid ${key}: expected a string`, o)
  return v.replace(/[\u0000-\u001f\u007f]/g, '').slice(0, max)
}

function signal<T extends 'offer' | 'answer'>(v: unknown, type: T, o: Obj): { type: T; sdp: string } {
  if (typeof v !== 'object' || v === null) fail(`invalid ${type}: expected an object`, o)
  const s = v as Obj
  if (s.type !== type) fail(`invalid ${type}: type must be '${type}'`, o)
  if (typeof s.sdp !== 'string') fail(`invalid ${type}: sdp must be a string`, o)
  if (s.sdp.length > MAX_SDP_LENGTH) fail(`${type} sdp longer than ${MAX_SDP_LENGTH} characters`, o)
  // Rebuilt rather than passed through, so nothing but type and sdp is ever relayed.
  return { type, sdp: s.sdp }
}

function decodeEvent(o: Obj): AnnounceEvent {
  const e = o.event
  if (e === undefined || e === null || e === '' || e === 'update' || e === 'empty' || e === 'paused') return 'update'
  if (e === 'started' || e === 'stopped' || e === 'completed') return e
  return fail('invalid event', o)
}

function decodeAnnounce(o: Obj): AnnounceMessage | AnswerMessage {
  const info_hash = id(o, 'info_hash')
  const peer_id = id(o, 'peer_id')
  const peer_name = text(o, 'peer_name', MAX_PEER_NAME_LENGTH)
  if (o.answer !== undefined && o.answer !== null) {
    const msg: AnswerMessage = {
      kind: Kind.Answer, action: ACTION_ANNOUNCE, info_hash, peer_id,
      to_peer_id: id(o, 'to_peer_id'), offer_id: id(o, 'offer_id'), answer: signal(o.answer, 'answer', o),
    }
    if (peer_name !== undefined) msg.peer_name = peer_name
    return msg
  }
  const msg: AnnounceMessage = {
    kind: Kind.Announce, action: ACTION_ANNOUNCE, info_hash, peer_id, event: decodeEvent(o), offers: [],
  }
  const numbers = ['numwant', 'uploaded', 'downloaded', 'left', 'file_size'] as const
  for (const k of numbers) {
    const n = count(o, k)
    if (n !== undefined) msg[k] = n
  }
  if (o.offers !== undefined && o.offers !== null) {
    if (!Array.isArray(o.offers)) fail('invalid offers: expected an array', o)
    if (o.offers.length > MAX_OFFERS) fail(`too many offers: at most ${MAX_OFFERS} per announce`, o)
    for (const item of o.offers as unknown[]) {
      if (typeof item !== 'object' || item === null) fail('invalid offers: each offer must be an object', o)
      const it = item as Obj
      msg.offers.push({ offer_id: id(it, 'offer_id'), offer: signal(it.offer, 'offer', o) })
    }
  }
  if (peer_name !== undefined) msg.peer_name = peer_name
  const file_name = text(o, 'file_name', MAX_FILE_NAME_LENGTH)
  if (file_name !== undefined) msg.file_name = file_name
  if (o.connected !== undefined && o.connected !== null) {
    const c = o.connected
    if (!Array.isArray(c) || c.length > MAX_CONNECTED_PEERS || !c.every(isBinaryId)) {
      fail(`invalid connected: expected at most ${MAX_CONNECTED_PEERS} peer ids`, o)
    }
    msg.connected = c as string[]
  }
  return msg
}

function decodeScrape(o: Obj): ScrapeMessage {
  const h = o.info_hash
  const list: unknown[] = h === undefined || h === null ? [] : Array.isArray(h) ? h : [h]
  if (list.length > MAX_SCRAPE_HASHES) fail(`too many info hashes: at most ${MAX_SCRAPE_HASHES} per scrape`, o)
  if (!list.every(isBinaryId)) fail('invalid info_hash: expected 20-character binary strings', o)
  return { kind: Kind.Scrape, action: ACTION_SCRAPE, info_hash: list as string[] }
}

/** Decodes a client frame (JSON text or a parsed value); throws TrackerProtocolError. */
export function decodeClientMessage(raw: unknown): ClientMessage {
  const o = toObject(raw)
  if (o.action === ACTION_ANNOUNCE) return decodeAnnounce(o)
  if (o.action === ACTION_SCRAPE) return decodeScrape(o)
  return fail(typeof o.action === 'string' ? 'unknown action' : 'missing action', o)
}

function nonNegative(o: Obj, key: string): number {
  const v = o[key]
  if (typeof v !== 'number' || !(v >= 0)) fail(`invalid ${key} in tracker message`, o)
  return v
}

/** Decodes a tracker frame for the browser client; throws TrackerProtocolError. */
export function decodeTrackerMessage(raw: unknown): TrackerMessage {
  const o = toObject(raw)
  const failure = o[FAILURE_KEY]
  if (failure !== undefined) {
    const msg: FailureMessage = { kind: Kind.Failure, reason: String(failure) }
    if (typeof o.action === 'string') msg.action = o.action
    if (isBinaryId(o.info_hash)) msg.info_hash = o.info_hash
    return msg
  }
  if (o.action === ACTION_SCRAPE) {
    const files = o.files
    if (typeof files !== 'object' || files === null || Array.isArray(files)) fail('invalid scrape files', o)
    const out: Record<string, ScrapeEntry> = {}
    for (const [hash, entry] of Object.entries(files as Obj)) {
      if (!isBinaryId(hash) || typeof entry !== 'object' || entry === null) fail('invalid scrape entry', o)
      const e = entry as Obj
      out[hash] = { complete: nonNegative(e, 'complete'), incomplete: nonNegative(e, 'incomplete'), downloaded: nonNegative(e, 'downloaded') }
    }
    return { kind: Kind.ScrapeResponse, action: ACTION_SCRAPE, files: out }
  }
  const warning = o[WARNING_KEY]
  if (o.action !== ACTION_ANNOUNCE) {
    if (typeof warning === 'string') return { kind: Kind.Warning, message: warning }
    return fail('unknown action in tracker message', o)
  }
  const info_hash = id(o, 'info_hash')
  const peer_name = typeof o.peer_name === 'string' ? o.peer_name.slice(0, MAX_PEER_NAME_LENGTH) : undefined
  if (o.offer !== undefined || o.answer !== undefined) {
    const base = {
      action: ACTION_ANNOUNCE, info_hash, peer_id: id(o, 'peer_id'), offer_id: id(o, 'offer_id'),
      ...(peer_name === undefined ? {} : { peer_name }),
    } as const
    return o.offer !== undefined
      ? { ...base, kind: Kind.RelayedOffer, offer: signal(o.offer, 'offer', o) }
      : { ...base, kind: Kind.RelayedAnswer, answer: signal(o.answer, 'answer', o) }
  }
  if (typeof o.interval === 'number' || typeof o.complete === 'number') {
    return {
      kind: Kind.AnnounceResponse, action: ACTION_ANNOUNCE, info_hash,
      interval: typeof o.interval === 'number' && o.interval > 0 ? o.interval : 120,
      complete: nonNegative(o, 'complete'), incomplete: nonNegative(o, 'incomplete'),
    }
  }
  if (typeof warning === 'string') return { kind: Kind.Warning, message: warning, info_hash }
  return fail('unrecognised announce message from tracker', o)
}

// ---- encoding helpers for the client ----------------------------------------------------

/** Wire form of an announce; `kind` is dropped, `event: 'update'` is sent as no event. */
export function encodeClientMessage(msg: ClientMessage): string {
  const { kind: _kind, ...wire } = msg as ClientMessage & Record<string, unknown>
  if (msg.kind === Kind.Announce && msg.event === 'update') delete wire.event
  return JSON.stringify(wire)
}

/** 20 random bytes as a binary string, e.g. for `offer_id`. */
export function randomBinaryId(): string {
  const b = globalThis.crypto.getRandomValues(new Uint8Array(ID_LENGTH))
  let s = ''
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]!)
  return s
}
