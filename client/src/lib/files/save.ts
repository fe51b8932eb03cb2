// Saving one file of a torrent to the user's disk. The file is assembled as a Blob made of
// smaller Blobs, never as one ArrayBuffer: Chrome moves blob bytes to the browser process
// (which pages large blobs to disk), so the page holds at most one chunk of pieces at a time
// and a 4 GiB file saves like a 4 MiB one.
import { piecesForFile } from '../../../../shared/pieces'
import type { TorrentInfo } from '../../../../shared/torrent'
import type { PieceStore } from '../storage/piece-store'
import { baseName } from './naming'

/** Bytes gathered in the page before they are handed over as one Blob. */
const CHUNK_BYTES = 32 * 1024 * 1024
/** How long the object URL lives: the download must have started (and taken its own reference). */
const REVOKE_AFTER_MS = 60_000

/** The part of piece `index` that belongs to `file`, as offsets inside the piece. */
export interface PieceSlice {
  index: number
  from: number
  to: number
}

/** Which bytes of which pieces make up `file`, in order; handles files starting or ending mid-piece. */
export function fileSlices(file: { offset: number; length: number }, pieceLength: number): PieceSlice[] {
  const { first, last } = piecesForFile(file, pieceLength)
  const slices: PieceSlice[] = []
  const end = file.offset + file.length
  for (let index = first; index <= last; index++) {
    const pieceStart = index * pieceLength
    slices.push({
      index,
      from: Math.max(file.offset, pieceStart) - pieceStart,
      to: Math.min(end, pieceStart + pieceLength) - pieceStart,
    })
  }
  return slices
}

export async function fileBlob(store: PieceStore, info: TorrentInfo, fileIndex: number): Promise<Blob> {
  const file = info.files[fileIndex]
  if (!file) throw new RangeError(`Torrent "${info.name}" has no file #${fileIndex} (it has ${info.files.length})`)
  const chunks: Blob[] = []
  let parts: Uint8Array<ArrayBuffer>[] = []
  let gathered = 0
  for (const s of fileSlices(file, info.pieceLength)) {
    // Uncached: a save reads each piece once and would only push hot pieces out of the cache.
    const piece = await store.readPiece(info.infoHash, s.index, { cache: false })
    if (!piece) {
      throw new Error(`Cannot save "${file.path}": piece ${s.index} (of ${info.pieceCount}) has not been downloaded yet`)
    }
    if (piece.length < s.to) {
      throw new Error(`Cannot save "${file.path}": stored piece ${s.index} is ${piece.length} bytes, expected at least ${s.to}`)
    }
    // Blob() copies what it is given, so a view into the stored piece is enough here.
    parts.push(piece.subarray(s.from, s.to) as Uint8Array<ArrayBuffer>)
    gathered += s.to - s.from
    if (gathered >= CHUNK_BYTES) {
      chunks.push(new Blob(parts))
      parts = []
      gathered = 0
    }
  }
  if (parts.length > 0) chunks.push(new Blob(parts))
  // A Blob of Blobs references them, it does not copy them again.
  return new Blob(chunks, { type: 'application/octet-stream' })
}

/** Starts a browser download of one file of the torrent, named by its last path segment. */
export async function saveFile(store: PieceStore, info: TorrentInfo, fileIndex: number): Promise<void> {
  const blob = await fileBlob(store, info, fileIndex)
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = baseName(info.files[fileIndex]!.path)
  a.style.display = 'none'
  document.body.append(a)
  try {
    a.click()
  } finally {
    a.remove()
    // Revoking at once could cancel a download that has not started reading yet.
    setTimeout(() => URL.revokeObjectURL(url), REVOKE_AFTER_MS)
  }
}
