// Where a seek lands in the file, for the seek hint (StreamHost.seek): the player's time at
// the media's mean bitrate. Over the whole file that guess is off by the container's index: an
// MP4 made for streaming carries its `moov` (every sample's offset) before the media data, and
// a film's moov runs to megabytes (it grows with the number of samples), so at 50% the guess
// falls half of that before the player's request, on pieces nobody reads, which then go first
// through a capped seeder. Mapping the time onto the media data (`mdat`) alone removes that
// offset. (The stream benchmark's 2-minute clip has a 100 KiB moov: the guess moves 50 KiB at
// 50% and stays in the same piece there; the one-piece miss its traces showed at 50% comes from
// the clip's bitrate varying, which only the sample tables could tell.) Only MP4/MOV (ISO BMFF):
// their top-level boxes say where the media data lies in a few header reads; other containers
// keep the whole-file guess.

export interface ByteSpan { start: number; end: number }

/** Reads `length` bytes at `offset` of the file (fewer at its end), or null when it cannot. */
export type ReadBytes = (offset: number, length: number) => Promise<Uint8Array | null>

/** Enough for the ftyp, free/wide/skip, moov and mdat boxes of any file we have seen. */
const MAX_BOXES = 16
const FOURCC = /^[\x20-\x7e]{4}$/

/**
 * The media data of an ISO BMFF file: walks its top-level boxes (a 16-byte read each) up to
 * the first `mdat`. Null when the bytes are not such boxes, or no `mdat` comes within
 * MAX_BOXES: the caller falls back to the whole file.
 */
export async function mp4MediaSpan(read: ReadBytes, fileLength: number): Promise<ByteSpan | null> {
  let at = 0
  for (let i = 0; i < MAX_BOXES && at + 8 <= fileLength; i++) {
    const h = await read(at, 16)
    if (!h || h.length < 8) return null
    const view = new DataView(h.buffer, h.byteOffset, h.byteLength)
    const type = String.fromCharCode(h[4]!, h[5]!, h[6]!, h[7]!)
    if (!FOURCC.test(type)) return null
    let size = view.getUint32(0)
    let header = 8
    if (size === 1) {
      if (h.length < 16) return null
      size = Number(view.getBigUint64(8))
      header = 16
    } else if (size === 0) {
      size = fileLength - at // the box runs to the end of the file
    }
    if (size < header || at + size > fileLength) return null
    if (type === 'mdat') return size > header ? { start: at + header, end: at + size } : null
    at += size
  }
  return null
}

/** The byte a player seeking to `time` of `duration` will ask for first, as best we can tell. */
export function seekPosition(time: number, duration: number, fileLength: number, media: ByteSpan | null): number {
  const span = media ?? { start: 0, end: fileLength }
  const at = span.start + Math.floor((time / duration) * (span.end - span.start))
  return Math.max(0, Math.min(fileLength - 1, at))
}

/** Reads through the player's own stream URL: bytes the worker has, or fetches with priority. */
export function rangeReader(url: string, signal: AbortSignal): ReadBytes {
  return async (offset, length) => {
    try {
      const res = await fetch(url, { headers: { Range: `bytes=${offset}-${offset + length - 1}` }, signal })
      if (res.status !== 206) return null
      return new Uint8Array(await res.arrayBuffer())
    } catch {
      return null
    }
  }
}

/** MP4, M4V, M4A and MOV, by the file's extension: the containers mp4MediaSpan can read. */
export function isIsoMedia(path: string): boolean {
  return /\.(mp4|m4v|m4a|mov)$/i.test(path)
}
