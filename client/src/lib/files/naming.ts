// How a drop of files becomes a torrent's name and file paths. Pure, so the rules are unit
// tested without a browser. The file order and names feed the info hash, so they are made
// deterministic: the same selection dropped twice yields the same torrent.

/** Refusal of a selection, with a message meant for the user. */
export class ImportError extends Error {
  override name = 'ImportError'
}

/** What naming needs of a File (the DOM File satisfies it). */
export interface NamedFile {
  readonly name: string
  readonly size: number
  /** "folder/sub/file.txt" when chosen through a directory picker or dropped as a folder; else "". */
  readonly webkitRelativePath?: string
}

export interface TorrentPlan {
  name: string
  /** In torrent order: `source` indexes the input list; `path` is "/"-separated, unique. */
  files: { source: number; path: string; length: number }[]
}

/**
 * A backslash is legal in Linux file names but not in a torrent path (Windows reads it as a
 * separator, so parseInfo refuses it, as it refuses NUL): replaced here rather than failing
 * after the whole hashing pass.
 */
function clean(segment: string): string {
  return segment.replace(/[\\\0]/g, '_')
}

function segments(f: NamedFile): string[] {
  const rel = (f.webkitRelativePath ?? '').split('/').filter((s) => s !== '' && s !== '.' && s !== '..')
  return (rel.length > 0 ? rel : [f.name]).map(clean)
}

function displayName(f: NamedFile): string {
  return f.webkitRelativePath || f.name
}

export function planTorrent(files: readonly NamedFile[]): TorrentPlan {
  if (files.length === 0) throw new ImportError('Nothing to share: no files were chosen')
  for (const f of files) {
    if (f.size === 0) throw new ImportError(`"${displayName(f)}" is empty (0 bytes): there is nothing to share`)
  }
  const only = files[0]
  if (files.length === 1 && only) {
    const name = clean(only.name)
    return { name, files: [{ source: 0, path: name, length: only.size }] }
  }

  const segs = files.map(segments)
  const top = segs[0]?.[0]
  // A folder drop: every file sits below the same top folder, which names the torrent (as
  // in any multi-file torrent, paths are then relative to it).
  const inFolder = top !== undefined && files.every((f, i) => f.webkitRelativePath && segs[i]!.length > 1 && segs[i]![0] === top)
  const rows = files
    .map((f, source) => ({ source, path: (inFolder ? segs[source]!.slice(1) : segs[source]!).join('/'), length: f.size }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.source - b.source))
  const paths = uniquePaths(rows.map((r) => r.path))
  const first = rows[0]!
  const name = inFolder ? top : `${clean(files[first.source]!.name)} and ${files.length - 1} more`
  return { name, files: rows.map((r, i) => ({ ...r, path: paths[i]! })) }
}

/**
 * Makes paths unique the way file managers do ("a (2).txt"). Compared case-insensitively
 * because the files are saved to disks that usually are, and a file may not share its path
 * with a folder of another file ("a" and "a/b"). The first of equal paths keeps its name.
 */
export function uniquePaths(paths: readonly string[]): string[] {
  const fold = (p: string): string => p.toLowerCase()
  const dirs = new Set<string>()
  for (const p of paths) {
    const parts = p.split('/')
    for (let i = 1; i < parts.length; i++) dirs.add(fold(parts.slice(0, i).join('/')))
  }
  const originals = new Set(paths.map(fold))
  const used = new Set<string>()
  return paths.map((p) => {
    let candidate = p
    if (used.has(fold(p)) || dirs.has(fold(p))) {
      let n = 2
      do candidate = withSuffix(p, n++)
      while (used.has(fold(candidate)) || originals.has(fold(candidate)) || dirs.has(fold(candidate)))
    }
    used.add(fold(candidate))
    return candidate
  })
}

/** "dir/name.ext" → "dir/name (n).ext"; a leading dot is part of the name (".env (2)"). */
export function withSuffix(path: string, n: number): string {
  const slash = path.lastIndexOf('/')
  const dir = path.slice(0, slash + 1)
  const base = path.slice(slash + 1)
  const dot = base.lastIndexOf('.')
  if (dot <= 0) return `${dir}${base} (${n})`
  return `${dir}${base.slice(0, dot)} (${n})${base.slice(dot)}`
}

/** The last path segment: what a saved file is called on disk. */
export function baseName(path: string): string {
  const parts = path.split('/').filter((s) => s !== '')
  return parts[parts.length - 1] ?? path
}
