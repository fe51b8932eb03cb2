// The ways into Tabswarm besides a file drop and a pasted link: a .torrent file (chosen, or
// dropped on the link box), a folder (chosen, or dropped on the share zone). Errors go to the
// page's error line through AppState.run; `notice` says what was done differently than asked
// (trackers replaced, empty files left out) without being an error.
import { droppedEntries, folderSelection, walkEntries, type EntryLike } from '../files/folder'
import { decodeTorrentFile, MAX_TORRENT_FILE_SIZE, TorrentFileError } from '../files/torrent-file'
import type { AppState } from './app.svelte'

export class Opener {
  notice = $state<string | null>(null)

  constructor(private readonly app: AppState) {}

  /** Open .torrent files: each valid one starts its download; a bad one changes nothing. */
  async openTorrentFiles(files: readonly File[]): Promise<void> {
    this.notice = null
    const notes: string[] = []
    await this.app.run(
      async (c) => {
        for (const file of files) {
          const label = `"${file.name}"`
          if (file.size > MAX_TORRENT_FILE_SIZE) throw new TorrentFileError(`${label} is not a .torrent file: it is far too large to be one`)
          const opened = await decodeTorrentFile(new Uint8Array(await file.arrayBuffer()), label)
          const added = await c.addInfo(opened.info, opened.trackers)
          if (!added) notes.push(`"${opened.info.name}" is already in your list.`)
          else if (opened.trackers.length === 0) {
            const why = opened.ignored > 0 ? ` (its ${opened.ignored} UDP/HTTP tracker${opened.ignored === 1 ? '' : 's'} cannot be reached from a browser)` : ''
            notes.push(`${label} names no WebSocket tracker${why}: using this site's tracker instead.`)
          }
        }
      },
      { clearError: true },
    )
    if (notes.length > 0) this.notice = notes.join('\n')
  }

  /** Share a folder chosen with the directory picker (Files carry webkitRelativePath). */
  async shareFolder(files: readonly File[], name?: string): Promise<void> {
    this.notice = null
    let skipped = 0
    await this.app.run(
      async (c) => {
        const sel = folderSelection(files, name)
        skipped = sel.skipped
        await c.addFiles(sel.files)
      },
      { clearError: true },
    )
    if (skipped > 0) this.notice = `Left out ${skipped} empty file${skipped === 1 ? '' : 's'} (0 bytes): there is nothing in them to share.`
  }

  /** A drop on the share zone: folders are walked; plain files are shared as they are. */
  drop(dt: DataTransfer | null): void {
    // Read now: the browser empties the DataTransfer when the drop handler returns.
    const entries = droppedEntries(dt)
    if (entries) {
      void this.shareEntries(entries)
      return
    }
    const files = [...(dt?.files ?? [])]
    this.notice = null
    if (files.length > 0) void this.app.addFiles(files)
  }

  private async shareEntries(entries: readonly EntryLike[]): Promise<void> {
    const walked: { files: File[] | null } = { files: null }
    await this.app.run(async () => {
      walked.files = await walkEntries(entries)
    }, { clearError: true })
    if (walked.files === null) return // the walk failed and said why
    const only = entries.length === 1 ? entries[0]!.name : undefined
    await this.shareFolder(walked.files, only)
  }

  /** Accept file drags over the link box; text drags keep the input's own behaviour. */
  dragOverLink(e: DragEvent): void {
    if (e.dataTransfer?.types.includes('Files')) e.preventDefault()
  }

  /** A drop on the link box: files there are .torrent files to open; text drops stay native. */
  dropOnLink(e: DragEvent): void {
    const dt = e.dataTransfer
    if (!dt || !dt.types.includes('Files')) return
    e.preventDefault()
    const files = [...dt.files]
    if (files.length > 0) void this.openTorrentFiles(files)
  }
}
