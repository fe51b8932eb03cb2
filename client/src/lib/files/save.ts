// Saving one file of a torrent to the user's disk, never holding the whole file in the page:
// either streamed piece by piece into a file the user picks, or assembled as a Blob made of
// smaller Blobs, whose bytes Chrome moves to the browser process one chunk at a time.
import { piecesForFile } from '../../../../shared/pieces'
import type { TorrentFile, TorrentInfo } from '../../../../shared/torrent'
import { errorName, formatBytes } from '../storage/errors'
import type { PieceStore } from '../storage/piece-store'
import { baseName } from './naming'

/** Bytes gathered in the page before they are handed over as one Blob. */
const CHUNK_BYTES = 32 * 1024 * 1024
/** Files above this go to a file the user picks, when the browser can (see saveFile). */
const PICKER_ABOVE_BYTES = 256 * 1024 * 1024
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

function fileAt(info: TorrentInfo, fileIndex: number): TorrentFile {
  const file = info.files[fileIndex]
  if (!file) throw new RangeError(`Torrent "${info.name}" has no file #${fileIndex} (it has ${info.files.length})`)
  return file
}

/** Yields the file's bytes piece by piece, straight from storage. */
async function* fileParts(store: PieceStore, info: TorrentInfo, file: TorrentFile): AsyncGenerator<Uint8Array<ArrayBuffer>> {
  for (const s of fileSlices(file, info.pieceLength)) {
    // Uncached: a save reads each piece once and would only push hot pieces out of the cache.
    const piece = await store.readPiece(info.infoHash, s.index, { cache: false })
    if (!piece) throw new Error(`Cannot save "${file.path}": piece ${s.index} (of ${info.pieceCount}) has not been downloaded yet`)
    if (piece.length < s.to) {
      throw new Error(`Cannot save "${file.path}": stored piece ${s.index} is ${piece.length} bytes, expected at least ${s.to}`)
    }
    // Pieces are stored as views on their own ArrayBuffer (never shared memory).
    yield piece.subarray(s.from, s.to) as Uint8Array<ArrayBuffer>
  }
}

export async function fileBlob(store: PieceStore, info: TorrentInfo, fileIndex: number): Promise<Blob> {
  const file = fileAt(info, fileIndex)
  const chunks: Blob[] = []
  let parts: Uint8Array<ArrayBuffer>[] = []
  let gathered = 0
  let handed = 0
  const handOver = async (): Promise<void> => {
    // Blob() copies what it is given, so views into stored pieces are fine here.
    const chunk = new Blob(parts)
    parts = []
    gathered = 0
    // Reading a byte waits until the browser process has taken the chunk: that keeps the
    // page from queueing gigabytes for it, and reveals a chunk it refused (its blob storage
    // is full) now, instead of as a download that silently fails.
    try {
      await chunk.slice(chunk.size - 1).arrayBuffer()
    } catch (err) {
      throw new Error(
        `Cannot save "${file.path}" (${formatBytes(file.length)}): the browser refused to hold it for saving after ` +
          `${formatBytes(handed)} (${err instanceof Error ? err.message : String(err)}). Free memory or disk space, or use a browser that can save to a chosen file.`,
      )
    }
    handed += chunk.size
    chunks.push(chunk)
  }
  for await (const part of fileParts(store, info, file)) {
    parts.push(part)
    gathered += part.length
    if (gathered >= CHUNK_BYTES) await handOver()
  }
  if (parts.length > 0) await handOver()
  // A Blob of Blobs references them, it does not copy them again.
  return new Blob(chunks, { type: 'application/octet-stream' })
}

/** Streams one file of the torrent into `writable`; on failure it is aborted, leaving no partial file. */
export async function writeFileTo(store: PieceStore, info: TorrentInfo, fileIndex: number, writable: FileSystemWritableFileStream): Promise<void> {
  const file = fileAt(info, fileIndex)
  try {
    for await (const part of fileParts(store, info, file)) await writable.write(part)
    await writable.close()
  } catch (err) {
    await writable.abort().catch(() => {})
    throw err
  }
}

type SaveFilePicker = (options: { suggestedName: string }) => Promise<FileSystemFileHandle>

/**
 * Saves one file of the torrent, named by its last path segment. Large files go straight to
 * a file the user picks (File System Access API, Chrome/Edge), written piece by piece: Chrome
 * keeps blobs in a bounded store (measured here: blobs above ~500 MiB fail), so a Blob cannot
 * carry a 4 GiB file everywhere. Smaller files, and browsers without the picker, download a Blob.
 * Call from the click handler: the picker needs the user's gesture.
 */
export async function saveFile(store: PieceStore, info: TorrentInfo, fileIndex: number): Promise<void> {
  const file = fileAt(info, fileIndex)
  const name = baseName(file.path)
  const picker = (globalThis as { showSaveFilePicker?: SaveFilePicker }).showSaveFilePicker
  if (picker && file.length > PICKER_ABOVE_BYTES) {
    let handle: FileSystemFileHandle | null = null
    try {
      handle = await picker({ suggestedName: name })
    } catch (err) {
      if (errorName(err) === 'AbortError') return // the user closed the picker
      // No gesture any more (SecurityError) or no picker in this context: fall back to a Blob.
    }
    if (handle) return writeFileTo(store, info, fileIndex, await handle.createWritable())
  }
  const blob = await fileBlob(store, info, fileIndex)
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = name
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
