// Encoders for tracker -> client frames. Built by string concatenation from JSON fragments
// cached on peers and swarms (ids are escaped once, not per frame): encoding is a large part of
// the per-announce cost, and a relayed offer differs from the next only in id and SDP.
// Field names and shapes follow bittorrent-tracker's server so WebTorrent clients work unchanged.

import { ACTION_SCRAPE, FAILURE_KEY } from '../shared/tracker-protocol'

export interface SwarmJson {
  /** JSON.stringify(binary info hash), cached. */
  readonly infoHashJson: string
}

export interface PeerJson {
  /** JSON.stringify(binary peer id), cached. */
  readonly idJson: string
  /** `,"peer_name":"…"` or '' — our extra field, ignored by other clients. */
  readonly nameField: string
}

export function announceResponse(s: SwarmJson, interval: number, complete: number, incomplete: number): string {
  return '{"action":"announce","interval":' + interval + ',"info_hash":' + s.infoHashJson +
    ',"complete":' + complete + ',"incomplete":' + incomplete + '}'
}

export function relayedOffer(s: SwarmJson, from: PeerJson, offerId: string, sdp: string): string {
  return '{"action":"announce","info_hash":' + s.infoHashJson + ',"peer_id":' + from.idJson +
    ',"offer_id":' + JSON.stringify(offerId) + ',"offer":{"type":"offer","sdp":' + JSON.stringify(sdp) + '}' +
    from.nameField + '}'
}

export function relayedAnswer(s: SwarmJson, from: PeerJson, offerId: string, sdp: string): string {
  return '{"action":"announce","info_hash":' + s.infoHashJson + ',"peer_id":' + from.idJson +
    ',"offer_id":' + JSON.stringify(offerId) + ',"answer":{"type":"answer","sdp":' + JSON.stringify(sdp) + '}' +
    from.nameField + '}'
}

export interface ScrapeCounts { complete: number; incomplete: number; downloaded: number }

export function scrapeResponse(files: Map<string, ScrapeCounts>, interval: number): string {
  const out: Record<string, ScrapeCounts> = {}
  for (const [hash, c] of files) out[hash] = c
  return JSON.stringify({ action: ACTION_SCRAPE, files: out, flags: { min_request_interval: interval } })
}

/**
 * A refusal. `action` and `info_hash` are included when known because WebTorrent's client
 * drops announce-action frames for other torrents and treats frames without an action as a
 * broken tracker (it reconnects); with both it just emits a warning.
 */
export function failure(reason: string, action?: string, infoHash?: string): string {
  const o: Record<string, string> = { [FAILURE_KEY]: reason }
  if (action !== undefined) o.action = action
  if (infoHash !== undefined) o.info_hash = infoHash
  return JSON.stringify(o)
}
