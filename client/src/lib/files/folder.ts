// Folders to share: from a directory picker (`webkitdirectory`, whose Files carry
// webkitRelativePath) or from a drop, where DataTransferItem.webkitGetAsEntry gives a tree of
// entries to walk. Both end as Files with "folder/sub/file" relative paths, which naming.ts turns
// into one torrent named after the folder.
import { ImportError } from './naming'

/** The part of the File and Directory Entries API we use; lets tests walk a fake tree. */
export interface EntryLike {
  readonly isFile: boolean
  readonly isDirectory: boolean
  readonly name: string
  /** "/folder/sub/file.txt" for a dropped entry. */
  readonly fullPath: string
}
export interface FileEntryLike extends EntryLike {
  file(ok: (f: File) => void, fail?: (err: unknown) => void): void
}
export interface DirectoryEntryLike extends EntryLike {
  createReader(): { readEntries(ok: (entries: EntryLike[]) => void, fail?: (err: unknown) => void): void }
}

/** A dropped tree larger than this is refused before reading on (torrents allow 100 000 files). */
export const MAX_FOLDER_FILES = 100_000

const isFileEntry = (e: EntryLike): e is FileEntryLike => e.isFile && typeof (e as FileEntryLike).file === 'function'
const isDirEntry = (e: EntryLike): e is DirectoryEntryLike => e.isDirectory && typeof (e as DirectoryEntryLike).createReader === 'function'

/**
 * The entries of a drop, read while the drop event runs: the browser empties the DataTransfer
 * once the handler returns. Null when it holds no folder (plain files keep the old path).
 */
export function droppedEntries(dt: DataTransfer | null): EntryLike[] | null {
  if (!dt) return null
  const entries: EntryLike[] = []
  for (const item of dt.items) {
    if (item.kind !== 'file') continue
    const entry = typeof item.webkitGetAsEntry === 'function' ? item.webkitGetAsEntry() : null
    if (entry) entries.push(entry)
  }
  return entries.some((e) => e.isDirectory) ? entries : null
}

function readAll(dir: DirectoryEntryLike): Promise<EntryLike[]> {
  const reader = dir.createReader()
  const out: EntryLike[] = []
  // readEntries hands out a batch at a time (100 in Chromium) until it returns an empty one.
  return new Promise((resolve, reject) => {
    const next = (): void =>
      reader.readEntries((batch) => {
        if (batch.length === 0) return resolve(out)
        out.push(...batch)
        next()
      }, reject)
    next()
  })
}

function fileOf(entry: FileEntryLike): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject))
}

/**
 * The files below the dropped entries, depth first, each with its path from the drop as
 * webkitRelativePath. Files from entries have an empty webkitRelativePath (it is a getter on
 * File.prototype), so an own property on the instance carries the path to naming.ts.
 */
export async function walkEntries(entries: readonly EntryLike[]): Promise<File[]> {
  const files: File[] = []
  const visit = async (entry: EntryLike): Promise<void> => {
    if (files.length > MAX_FOLDER_FILES) throw new ImportError(`This folder holds more than ${MAX_FOLDER_FILES} files, more than a torrent can`)
    if (isDirEntry(entry)) {
      for (const child of await readAll(entry)) await visit(child)
    } else if (isFileEntry(entry)) {
      const file = await fileOf(entry).catch((err: unknown) => {
        throw new ImportError(`"${entry.fullPath}" could not be read: ${err instanceof Error ? err.message : String(err)}`)
      })
      const rel = entry.fullPath.replace(/^\/+/, '') || entry.name
      Object.defineProperty(file, 'webkitRelativePath', { value: rel })
      files.push(file)
    }
  }
  for (const e of entries) await visit(e)
  return files
}

export interface FolderSelection {
  files: File[]
  /** Empty files left out (a torrent may hold them, but our importer refuses them). */
  skipped: number
}

/** What of a chosen or dropped folder gets shared; refuses a folder with nothing to share. */
export function folderSelection(files: readonly File[], name?: string): FolderSelection {
  const top = name ?? files[0]?.webkitRelativePath.split('/')[0]
  const what = top ? `The folder "${top}"` : 'The folder'
  const kept = files.filter((f) => f.size > 0)
  if (files.length === 0) throw new ImportError(`${what} is empty: there is nothing to share`)
  if (kept.length === 0) throw new ImportError(`${what} holds only empty files (0 bytes): there is nothing to share`)
  return { files: kept, skipped: files.length - kept.length }
}
