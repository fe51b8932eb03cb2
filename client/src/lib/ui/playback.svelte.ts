// What the page is playing: one file at a time, shown under its torrent (Player.svelte).
import type { MediaKind } from '../stream/media'

export interface Playing {
  infoHash: string
  fileIndex: number
  path: string
  length: number
  kind: Exclude<MediaKind, 'image'>
}

export class Playback {
  current = $state<Playing | null>(null)
  /** Why playback stopped or cannot start; shown by the player. */
  message = $state<string | null>(null)

  play(p: Playing): void {
    this.message = null
    this.current = p
  }

  stop(message: string | null = null): void {
    this.current = null
    this.message = message
  }
}

export const playback = new Playback()
