// What the share controls of a torrent hand out: the app link, the .torrent file. Kept out of
// the component so the rules (which trackers, which name) are plain code.
import { parseMagnet } from '@shared/magnet'
import type { TabswarmClient } from '../engine/client'
import { downloadBlob } from '../files/save'
import { encodeTorrentFile, torrentFileName } from '../files/torrent-file'


/**
 * `<page>#<magnet>`: opening it starts the download in Tabswarm, where a bare magnet would go to
 * a desktop client that cannot reach a WebSocket tracker. The magnet goes in unencoded (its
 * parts are already percent-encoded); the page reads it back through parseMagnet, which also
 * takes the fully encoded form some apps turn a fragment into.
 */
export function appLink(magnet: string, page: { origin: string; pathname: string } = location): string {
  return `${page.origin}${page.pathname}#${magnet}`
}

/** The .torrent of a torrent whose metadata we hold, announcing to the trackers it uses. */
export function torrentFileOf(client: TabswarmClient, infoHash: string): { name: string; bytes: Uint8Array } {
  const entry = client.entries.get(infoHash)
  const info = entry?.torrent.info
  if (!entry || !info) throw new Error('This torrent has no metadata yet: its .torrent file can be made once it has')
  const trackers = parseMagnet(entry.magnet).trackers.filter((t) => /^wss?:\/\//i.test(t))
  if (trackers.length === 0) trackers.push(client.defaultTracker)
  return { name: torrentFileName(info.name), bytes: encodeTorrentFile(info.infoBytes, trackers) }
}

/** Starts a browser download of small in-memory bytes. */
export function downloadBytes(bytes: Uint8Array, name: string, type: string): void {
  downloadBlob(new Blob([bytes.slice()], { type }), name)
}
