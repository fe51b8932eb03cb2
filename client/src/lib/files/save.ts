// Saving one file of a torrent to the user's disk without holding the whole file in the page:
// it is assembled as a Blob made of smaller Blobs, never as one ArrayBuffer; Chrome moves blob
// bytes to the browser process (which pages large blobs to disk) one chunk at a time.
import { piecesForFile } from '@shared/pieces'
import type { TorrentFile, TorrentInfo } from '@shared/torrent'
import { errorMessage, errorName, formatBytes } from '../storage/errors'
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

function fileAt(info: TorrentInfo, fileIndex: number): TorrentFile {
  const file = info.files[fileIndex]
  if (!file) throw new RangeError(`Torrent "${info.name}" has no file #${fileIndex} (it has ${info.files.length})`)
  return file
}

/**
 * Yields the file's bytes piece by piece, straight from storage, reading the next piece while
 * the consumer handles the current one.
 */
async function* fileParts(store: PieceStore, info: TorrentInfo, file: TorrentFile): AsyncGenerator<Uint8Array<ArrayBuffer>> {
  const read = async (s: PieceSlice): Promise<Uint8Array<ArrayBuffer>> => {
    // Uncached: a save reads each piece once and would only push hot pieces out of the cache.
    const piece = await store.readPiece(info.infoHash, s.index, { cache: false })
    if (!piece) throw new Error(`Cannot save "${file.path}": piece ${s.index} (of ${info.pieceCount}) has not been downloaded yet`)
    if (piece.length < s.to) {
      throw new Error(`Cannot save "${file.path}": stored piece ${s.index} is ${piece.length} bytes, expected at least ${s.to}`)
    }
    // Pieces are stored as views on their own ArrayBuffer (never shared memory).
    return piece.subarray(s.from, s.to) as Uint8Array<ArrayBuffer>
  }
  const slices = fileSlices(file, info.pieceLength)
  let next = slices[0] ? read(slices[0]) : null
  for (let i = 0; next; i++) {
    const current = next
    const after = slices[i + 1]
    next = after ? read(after) : null
    // If the consumer stops early, the read ahead must not become an unhandled rejection.
    next?.catch(() => {})
    yield await current
  }
}

export async function fileBlob(store: PieceStore, info: TorrentInfo, fileIndex: number): Promise<Blob> {
  const file = fileAt(info, fileIndex)
  const chunks: Blob[] = []
  let parts: Uint8Array<ArrayBuffer>[] = []
  let gathered = 0
  let handing: Promise<void> | null = null
  // Reading a chunk's last byte waits until the browser process has taken the chunk. Waiting
  // for chunk k before handing over chunk k + 1 keeps the page from queueing gigabytes for the
  // browser (measured: a 1 GiB file failed without this wait, worked with it), and reveals a
  // chunk it refused (blob storage full) as an error instead of a silently failed download.
  const handOver = async (): Promise<void> => {
    await handing
    // Blob() copies what it is given, so views into stored pieces are fine.
    const chunk = new Blob(parts)
    chunks.push(chunk)
    parts = []
    gathered = 0
    const done = chunks.length - 1
    handing = chunk
      .slice(chunk.size - 1)
      .arrayBuffer()
      .then(
        () => {},
        (err: unknown) => {
          throw new Error(
            `Cannot save "${file.path}" (${formatBytes(file.length)}): the browser refused to hold it for saving after ` +
              `${formatBytes(done * CHUNK_BYTES)} (${errorMessage(err)}). Free disk space and try again.`,
          )
        },
      )
    handing.catch(() => {})
  }
  for await (const part of fileParts(store, info, file)) {
    parts.push(part)
    gathered += part.length
    if (gathered >= CHUNK_BYTES) await handOver()
  }
  if (parts.length > 0) await handOver()
  await handing
  // A Blob of Blobs references them, it does not copy them again.
  return new Blob(chunks, { type: 'application/octet-stream' })
}

/**
 * Streams one file of the torrent into `writable` (from saveFileAs, or the origin private
 * file system); on failure it is aborted, which leaves no partial file behind.
 */
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

/**
 * Starts a browser download of one file of the torrent, named by its last path segment.
 * Chrome caps blob storage (2 GiB of memory plus 10% of the disk on desktop; the headless
 * Chromium used in tests here refused blobs past ~500 MiB): for bigger files, offer
 * saveFileAs where the browser supports it.
 */
export async function saveFile(store: PieceStore, info: TorrentInfo, fileIndex: number): Promise<void> {
  const name = baseName(fileAt(info, fileIndex).path)
  const blob = await fileBlob(store, info, fileIndex)
  downloadBlob(blob, name)
}

type SaveFilePicker = (options: { suggestedName: string }) => Promise<FileSystemFileHandle>

/**
 * Streams one file into a file the user picks (File System Access API: Chrome, Edge), piece
 * by piece, so no blob limit applies. Must be called straight from a click handler (the
 * picker needs the user's gesture). Headless Chromium answers the picker with AbortError,
 * reported as 'cancelled' like a user closing it.
 */
export async function saveFileAs(store: PieceStore, info: TorrentInfo, fileIndex: number): Promise<'saved' | 'cancelled' | 'unsupported'> {
  const name = baseName(fileAt(info, fileIndex).path)
  const picker = (globalThis as { showSaveFilePicker?: SaveFilePicker }).showSaveFilePicker
  if (typeof picker !== 'function') return 'unsupported'
  let handle: FileSystemFileHandle
  try {
    handle = await picker.call(globalThis, { suggestedName: name })
  } catch (err) {
    if (errorName(err) === 'AbortError') return 'cancelled'
    throw err
  }
  await writeFileTo(store, info, fileIndex, await handle.createWritable())
  return 'saved'
}

/** Starts a normal browser download of `blob` named `name` (a link click on an object URL). */
export function downloadBlob(blob: Blob, name: string): void {
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
