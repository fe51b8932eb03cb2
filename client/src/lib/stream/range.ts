// HTTP Range (RFC 9110 §14) for the service worker's /stream/ answers. Pure, so it is unit-tested
// apart from the worker. Media elements mostly ask `bytes=N-`; answering that with the whole rest
// of a 4 GiB file would tie one response to the download for minutes, so an open or long range
// gets at most `maxBytes` and the player simply asks again from where it got to.

export type RangeAnswer =
  | { status: 200; start: 0; end: number }
  | { status: 206; start: number; end: number }
  | { status: 416 }

/** A few MiB: seconds of HD video, one or two pieces, and quick to cancel on a seek. */
export const MAX_RANGE_BYTES = 4 * 1024 * 1024

/**
 * `start`/`end` are inclusive file offsets. A missing or malformed header means the whole file
 * (RFC: a server ignores a Range it cannot parse). Of several ranges only the first is served.
 */
export function answerRange(header: string | null, size: number, maxBytes = MAX_RANGE_BYTES): RangeAnswer {
  const m = header === null ? null : /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*(?:,.*)?$/i.exec(header)
  if (!m) return { status: 200, start: 0, end: size - 1 }
  const [, from = '', to = ''] = m
  if (from === '' && to === '') return { status: 200, start: 0, end: size - 1 }
  let start: number
  let end: number
  if (from === '') {
    // Suffix range: the last N bytes (what a player asks for an MP4 whose moov is at the end).
    const suffix = Number(to)
    if (suffix === 0 || size === 0) return { status: 416 }
    start = Math.max(0, size - suffix)
    end = size - 1
  } else {
    start = Number(from)
    end = to === '' ? size - 1 : Math.min(Number(to), size - 1)
    if (start >= size || end < start) return { status: 416 }
  }
  return { status: 206, start, end: Math.min(end, start + maxBytes - 1) }
}

export function contentRange(answer: RangeAnswer, size: number): string {
  return answer.status === 416 ? `bytes */${size}` : `bytes ${answer.start}-${answer.end}/${size}`
}

/** `/stream/<40 hex>/<file index>` → its parts, or null when the path is not one of ours at all. */
export function parseStreamPath(pathname: string): { infoHash: string; fileIndex: number } | { bad: string } | null {
  if (!pathname.startsWith('/stream/')) return null
  const m = /^\/stream\/([0-9a-fA-F]{40})\/(\d{1,9})$/.exec(pathname)
  if (!m) return { bad: 'A stream URL is /stream/<40-hex info hash>/<file index>' }
  return { infoHash: m[1]!.toLowerCase(), fileIndex: Number(m[2]) }
}
