// Reading the pieces of dropped files. Small pieces are read several at a time: each
// File.slice().arrayBuffer() is a round trip to the browser process, and measured here
// (headless Chromium, 2 cores) 4 MiB reads ran ~1.5–3× faster than 1 MiB or 256 KiB ones.
import { fileSpans, pieceLengthAt } from '@shared/pieces'
import { ImportError } from './naming'

/** Bytes per File read, when pieces are smaller. */
export const READ_UNIT = 4 * 1024 * 1024

export interface Layout {
  files: readonly Blob[]
  /** Torrent paths of `files`, for messages. */
  paths: readonly string[]
  /** Where each file sits in the torrent's concatenated bytes. */
  spans: readonly { offset: number; length: number }[]
  total: number
  pieceLength: number
  pieceCount: number
}

/** Pieces read together: how many consecutive pieces fit one READ_UNIT (at least one). */
export function piecesPerRead(pieceLength: number): number {
  return Math.max(1, Math.floor(READ_UNIT / pieceLength))
}

/** Splits sorted piece indexes into runs of consecutive indexes, at most `max` long. */
export function consecutiveRuns(indexes: readonly number[], max: number): number[][] {
  const runs: number[][] = []
  let run: number[] = []
  for (const i of indexes) {
    const last = run[run.length - 1]
    if (run.length > 0 && (run.length >= max || last === undefined || i !== last + 1)) {
      runs.push(run)
      run = []
    }
    run.push(i)
  }
  if (run.length > 0) runs.push(run)
  return runs
}

/**
 * Reads consecutive pieces `run` with one read, each into its own ArrayBuffer so it can be
 * transferred to a hash worker and stored on its own.
 */
export async function readPieces(layout: Layout, run: readonly number[]): Promise<ArrayBuffer[]> {
  const lengths = run.map((i) => pieceLengthAt(layout.total, layout.pieceLength, i))
  const parts = run.flatMap((index, k) =>
    fileSpans(layout.spans, layout.pieceLength, index, lengths[k]!).map((s) => layout.files[s.fileIndex]!.slice(s.fileOffset, s.fileOffset + s.length)),
  )
  const expected = lengths.reduce((a, b) => a + b, 0)
  let buffer: ArrayBuffer
  try {
    buffer = await (parts.length === 1 ? parts[0]! : new Blob(parts)).arrayBuffer()
    if (buffer.byteLength !== expected) throw new Error(`got ${buffer.byteLength} bytes instead of ${expected}`)
  } catch (err) {
    // Chrome refuses to read a File changed, moved or deleted since it was chosen.
    const why = err instanceof Error ? err.message : String(err)
    throw new ImportError(`Could not read ${describePieces(layout, run)}: was it moved, changed or deleted? (${why})`)
  }
  if (run.length === 1) return [buffer]
  // Copies at memory speed; the alternative, one read per piece, costs a round trip each.
  let at = 0
  return lengths.map((len) => buffer.slice(at, (at += len)))
}

/** The quoted paths of the files that pieces `run` cover. */
export function describePieces(layout: Layout, run: readonly number[]): string {
  const names = new Set<string>()
  for (const index of run) {
    const len = pieceLengthAt(layout.total, layout.pieceLength, index)
    for (const s of fileSpans(layout.spans, layout.pieceLength, index, len)) names.add(`"${layout.paths[s.fileIndex]}"`)
  }
  return [...names].join(', ')
}

/**
 * Runs `fn` over `items` in order, at most `limit` at a time. On the first failure (or abort)
 * it starts nothing more, waits for those running, then throws that failure.
 */
export async function forEachLimited<T>(items: Iterable<T>, limit: number, signal: AbortSignal | undefined, fn: (item: T) => Promise<void>): Promise<void> {
  const it = items[Symbol.iterator]()
  let failure: { err: unknown } | null = null
  const lane = async (): Promise<void> => {
    while (!failure) {
      if (signal?.aborted) {
        failure = { err: signal.reason }
        return
      }
      const next = it.next()
      if (next.done) return
      try {
        await fn(next.value)
      } catch (err) {
        failure ??= { err }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, limit) }, lane))
  if (failure) throw (failure as { err: unknown }).err
}
