// What the polite live region says: a torrent finishing its download. Errors are announced by
// their own role=alert elements; this covers the good news a screen reader user would miss.
import type { TorrentView } from './snapshot'

export class Announcer {
  message = $state('')
  private readonly states = new Map<string, string>()

  update(torrents: readonly TorrentView[]): void {
    const seen = new Set<string>()
    for (const t of torrents) {
      seen.add(t.infoHash)
      const before = this.states.get(t.infoHash)
      if ((before === 'downloading' || before === 'metadata') && t.state === 'seeding') {
        this.message = `${t.name} finished downloading and is now seeding.`
      }
      this.states.set(t.infoHash, t.state)
    }
    for (const k of this.states.keys()) if (!seen.has(k)) this.states.delete(k)
  }
}
