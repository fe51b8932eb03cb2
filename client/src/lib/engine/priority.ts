// Piece priorities: one mechanism for streaming (pieces under and ahead of a playhead come first)
// and file selection (pieces only of unchosen files are not fetched at all).
//
// Levels, highest first: `deadline` (needed now, fetched in byte order, late blocks asked of a
// second peer), `readahead` (needed soon, in byte order), `normal` (rarest-first), `skip` (not
// fetched). A piece's level is the highest hold on it, else its base: `skip` when every file it
// touches is unselected, `normal` otherwise. Holds are reference-counted ranges with a release
// function, so a player that seeks away just releases its old range.
import { piecesForFile, type Bitfield } from '@shared/pieces'
import type { TorrentInfo } from '@shared/torrent'

export type HoldLevel = 'deadline' | 'readahead'

export const SKIP = 0
export const NORMAL = 1
export const READAHEAD = 2
export const DEADLINE = 3
export type Level = typeof SKIP | typeof NORMAL | typeof READAHEAD | typeof DEADLINE

interface Hold {
  first: number
  last: number
  level: typeof READAHEAD | typeof DEADLINE
  /** Fetch order among holds: higher first (see holdRank). */
  rank: number
}

let lastRank = 0
/**
 * A new, higher rank. Holds go in rank order, newest first by default. A player's request that
 * slides its window forward keeps the rank it started with: otherwise the old request a player
 * still reads after a seek (Chromium keeps it open a moment) became the newest hold at every
 * step and went before the seek's own pieces (stream benchmark traces).
 */
export function holdRank(): number {
  return ++lastRank
}

export class PiecePriorities {
  /** Base level per piece from the file selection: NORMAL or SKIP. */
  private readonly base: Uint8Array
  private readonly holds = new Set<Hold>()
  /** Bumped on every change, so callers can cache what they derive from it. */
  version = 0
  private selected: boolean[]

  constructor(private readonly info: TorrentInfo, selection: readonly boolean[] | null = null) {
    this.base = new Uint8Array(info.pieceCount).fill(NORMAL)
    this.selected = info.files.map(() => true)
    if (selection) this.select(selection)
  }

  /** Which files are chosen (true = download it), one per file of the torrent. */
  get selection(): readonly boolean[] {
    return this.selected
  }

  get allSelected(): boolean {
    return this.selected.every(Boolean)
  }

  get noneSelected(): boolean {
    return !this.selected.some(Boolean)
  }

  /**
   * Choose files. A piece is skipped only when no selected file touches it: a piece shared by a
   * chosen and an unchosen file is fetched whole (BitTorrent moves whole pieces).
   */
  select(selection: readonly boolean[]): void {
    const files = this.info.files
    if (selection.length !== files.length) {
      throw new Error(`a selection needs one choice per file (${files.length}), got ${selection.length}`)
    }
    this.selected = [...selection]
    this.base.fill(SKIP)
    files.forEach((f, i) => {
      if (!selection[i]) return
      if (f.length === 0) return
      const { first, last } = piecesForFile(f, this.info.pieceLength)
      this.base.fill(NORMAL, first, last + 1)
    })
    this.version++
  }

  /** Raise the pieces under torrent bytes [start, end) to `level` until the returned function is called. */
  hold(start: number, end: number, level: HoldLevel, rank = holdRank()): () => void {
    const total = this.info.length
    const s = Math.max(0, Math.min(start, total))
    const e = Math.max(s, Math.min(end, total))
    if (e === s) return () => undefined
    const pl = this.info.pieceLength
    const h: Hold = { first: Math.floor(s / pl), last: Math.floor((e - 1) / pl), level: level === 'deadline' ? DEADLINE : READAHEAD, rank }
    this.holds.add(h)
    this.version++
    return () => {
      if (this.holds.delete(h)) this.version++
    }
  }

  level(index: number): Level {
    let level = this.base[index] as Level
    for (const h of this.holds) if (h.level > level && index >= h.first && index <= h.last) level = h.level
    return level
  }

  wanted(index: number): boolean {
    return this.level(index) !== SKIP
  }

  /** Pieces with a base level above skip: what progress and completion count. */
  selectedPiece(index: number): boolean {
    return this.base[index] !== SKIP
  }

  /**
   * Held pieces at `level` in fetch order: the highest rank (the newest hold) first, each in byte order.
   * (Usually one hold per player; a few at most, so this stays cheap.) Given `have`, a hold
   * whose player has fewer stored pieces ahead of it comes first: Chromium opens a second
   * request beside a seek, on bytes it already has, and that newer hold must not go before the
   * seek's own, whose player has nothing to play.
   */
  *ordered(level: typeof READAHEAD | typeof DEADLINE, have?: Bitfield): Generator<number> {
    // Highest rank (by default the newest hold) first: after a seek the new position is served
    // before the one it left (whose hold the player releases a moment later).
    let holds = [...this.holds].filter((h) => h.level === level).sort((a, b) => b.rank - a.rank)
    if (have && holds.length > 1) {
      const ahead = new Map(holds.map((h) => [h, storedAhead(h, have)]))
      holds = holds.sort((a, b) => ahead.get(a)! - ahead.get(b)!) // stable: ties stay in rank order
    }
    for (const h of holds) {
      for (let i = h.first; i <= h.last; i++) yield i
    }
  }

  get hasHolds(): boolean {
    return this.holds.size > 0
  }

  /** Every wanted piece (of the chosen files, and under any hold) is in `have`. */
  complete(have: Bitfield): boolean {
    if (this.allSelected && !this.hasHolds) return have.isComplete()
    for (let i = 0; i < this.info.pieceCount; i++) if (!have.has(i) && this.level(i) !== SKIP) return false
    return true
  }

  /** Fraction of the chosen files' pieces in `have` (of all pieces when every file is chosen). */
  progress(have: Bitfield): number {
    if (this.allSelected) return have.count() / this.info.pieceCount
    let wanted = 0
    let got = 0
    for (let i = 0; i < this.info.pieceCount; i++) {
      if (!this.selectedPiece(i)) continue
      wanted++
      if (have.has(i)) got++
    }
    return wanted === 0 ? 0 : got / wanted
  }
}

/** Stored pieces at the start of a hold, counted up to a bound (enough to tell players apart). */
const STORED_AHEAD_BOUND = 64
function storedAhead(h: Hold, have: Bitfield): number {
  let n = 0
  while (n < STORED_AHEAD_BOUND && h.first + n <= h.last && have.has(h.first + n)) n++
  return n
}
