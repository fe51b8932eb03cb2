// Which of a player's requests it is waiting for right after a seek. Chromium does not read only
// where it seeks to: within a moment it also re-opens a request near where it was (a 1 MiB
// re-read at the file's start after a seek to 50%, in the stream benchmark's traces) and one
// beside the seek on bytes it already has. Taken as seeks, those cancelled the seek's own
// requests and went before its pieces. The page's `seeking` event says where the player goes
// (StreamHost.seek); a new request that starts far from there, soon after, is background.

/** How long after a seek a player's new requests are judged against where it seeked to. */
export const FOCUS_MS = 3000
/** How far from the guessed position the seek's own request may start (see tolerance()). */
const MIN_TOLERANCE = 8 * 1024 * 1024
const TOLERANCE_SHARE = 0.05

/**
 * The guess is the mean bitrate's: a keyframe before the target and a variable bitrate put the
 * real position off by some megabytes, more in a longer file.
 */
export function tolerance(fileLength: number): number {
  return Math.max(MIN_TOLERANCE, Math.ceil(fileLength * TOLERANCE_SHARE))
}

interface Seek {
  /** Torrent byte the player seeks to (guessed). */
  target: number
  tolerance: number
  at: number
}

export class SeekFocus {
  private readonly seeks = new Map<string, Seek>()

  note(infoHash: string, target: number, fileLength: number, now = Date.now()): void {
    this.seeks.set(infoHash, { target, tolerance: tolerance(fileLength), at: now })
  }

  /** Does a request starting at torrent byte `start` read where the player last seeked to? */
  near(infoHash: string, start: number): boolean {
    const s = this.seeks.get(infoHash)
    return !!s && Math.abs(start - s.target) <= s.tolerance
  }

  /** A new request the player is not waiting for: soon after a seek, and far from its target. */
  background(infoHash: string, start: number, now = Date.now()): boolean {
    const s = this.seeks.get(infoHash)
    if (!s) return false
    if (now - s.at > FOCUS_MS) {
      this.seeks.delete(infoHash)
      return false
    }
    return !this.near(infoHash, start)
  }
}
