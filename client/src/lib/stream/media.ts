// What a file is by its name: the MIME type the service worker answers with and what the page
// offers for it (Play for audio and video, a preview for images). Shared by the worker and the
// page so the button and the Content-Type never disagree.

export type MediaKind = 'video' | 'audio' | 'image'

interface MediaType {
  mime: string
  kind: MediaKind
  /** Only offered when the browser's canPlayType says so (mkv: Chromium plays some, Firefox none). */
  probe?: boolean
}

const TYPES: Record<string, MediaType> = {
  mp4: { mime: 'video/mp4', kind: 'video' },
  m4v: { mime: 'video/mp4', kind: 'video' },
  mov: { mime: 'video/quicktime', kind: 'video' },
  webm: { mime: 'video/webm', kind: 'video' },
  mkv: { mime: 'video/x-matroska', kind: 'video', probe: true },
  mp3: { mime: 'audio/mpeg', kind: 'audio' },
  m4a: { mime: 'audio/mp4', kind: 'audio' },
  aac: { mime: 'audio/aac', kind: 'audio' },
  ogg: { mime: 'audio/ogg', kind: 'audio' },
  oga: { mime: 'audio/ogg', kind: 'audio' },
  opus: { mime: 'audio/ogg', kind: 'audio' },
  flac: { mime: 'audio/flac', kind: 'audio' },
  wav: { mime: 'audio/wav', kind: 'audio' },
  png: { mime: 'image/png', kind: 'image' },
  jpg: { mime: 'image/jpeg', kind: 'image' },
  jpeg: { mime: 'image/jpeg', kind: 'image' },
  gif: { mime: 'image/gif', kind: 'image' },
  webp: { mime: 'image/webp', kind: 'image' },
  avif: { mime: 'image/avif', kind: 'image' },
}

export function extensionOf(path: string): string {
  const name = path.slice(path.lastIndexOf('/') + 1)
  const dot = name.lastIndexOf('.')
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : ''
}

/**
 * The Content-Type a file is served with. Anything we do not know is an opaque download: a
 * torrent's .html or .svg opened at /stream/… must never run as a page of our origin.
 */
export function mimeOf(path: string): string {
  return TYPES[extensionOf(path)]?.mime ?? 'application/octet-stream'
}

/** Audio or video by its name, whether or not this browser plays it: shared as a streaming torrent. */
export function isPlayableMedia(path: string): boolean {
  const kind = TYPES[extensionOf(path)]?.kind
  return kind === 'video' || kind === 'audio'
}

/** 'video' | 'audio' | 'image' when the page should offer Play or a preview, else null. */
export function mediaKindOf(path: string, canPlay: (mime: string) => boolean): MediaKind | null {
  const t = TYPES[extensionOf(path)]
  if (!t) return null
  if (t.probe && !canPlay(t.mime)) return null
  return t.kind
}

/** The page's own canPlayType, as a yes/no (mkv shows up as 'video/webm' in Chromium's eyes). */
export function browserCanPlay(mime: string): boolean {
  if (typeof document === 'undefined') return false
  const probe = document.createElement(mime.startsWith('audio/') ? 'audio' : 'video')
  if (probe.canPlayType(mime) !== '') return true
  return mime === 'video/x-matroska' && probe.canPlayType('video/webm; codecs="vp9,opus"') !== '' && probe.canPlayType('video/x-matroska; codecs="avc1.42E01E"') !== ''
}

/** The stable URL of a file of a torrent, answered by the service worker. */
export function streamUrl(infoHash: string, fileIndex: number): string {
  return `/stream/${infoHash}/${fileIndex}`
}
