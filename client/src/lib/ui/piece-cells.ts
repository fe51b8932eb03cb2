// Groups a torrent's pieces into the cells of the piece map. A 2,000-piece torrent cannot give
// every piece a readable square on a phone, so neighbouring pieces share a cell whose shade is
// the fraction held; a cell is "in flight" when any of its pieces is being fetched.

export interface PieceCells {
  /** Pieces per cell (the last cell may hold fewer). */
  perCell: number
  /** Per cell: fraction of its pieces held, 0..1. */
  held: Float32Array
  /** Per cell: 1 when one of its pieces is in flight. */
  flight: Uint8Array
}

/** Is piece `i` set in a BEP 3 bitfield (high bit of byte 0 is piece 0)? */
export function bitSet(bits: Uint8Array, i: number): boolean {
  return ((bits[i >> 3] ?? 0) & (0x80 >> (i & 7))) !== 0
}

export function groupPieces(pieceCount: number, have: Uint8Array | null, inFlight: readonly number[], maxCells: number): PieceCells {
  const perCell = pieceCount <= maxCells ? 1 : Math.ceil(pieceCount / Math.max(1, maxCells))
  const cells = Math.ceil(pieceCount / perCell)
  const held = new Float32Array(cells)
  const flight = new Uint8Array(cells)
  if (have) {
    for (let c = 0; c < cells; c++) {
      const start = c * perCell
      const end = Math.min(pieceCount, start + perCell)
      let n = 0
      for (let i = start; i < end; i++) if (bitSet(have, i)) n++
      held[c] = n / (end - start)
    }
  }
  for (const i of inFlight) {
    if (Number.isInteger(i) && i >= 0 && i < pieceCount) flight[Math.floor(i / perCell)] = 1
  }
  return { perCell, held, flight }
}

/**
 * Grid for a box `width` CSS px wide: columns of at least `minCell` px, at most `maxRows` rows of
 * cells. A torrent with fewer pieces than columns gets one row of wider cells, so even a
 * 5-piece torrent fills the width.
 */
export function gridFor(width: number, pieceCount: number, minCell: number, maxRows: number): { cols: number; maxCells: number } {
  const fit = Math.max(8, Math.floor(width / minCell))
  const cols = Math.max(1, Math.min(fit, pieceCount))
  return { cols, maxCells: fit * maxRows }
}
