// Drawing for the piece map and the speed graph. Both are canvases of a fixed CSS size: a
// redraw repaints pixels inside one element and never changes the size of anything, so the
// browser runs no layout for it (the old animated progress bar cost a layout per frame). The
// width is learnt from a ResizeObserver, never read back (offsetWidth) while drawing, which
// would force a synchronous layout on every refresh.
import type { PieceCells } from './piece-cells'

export interface Palette {
  have: string
  missing: string
  flight: string
  down: string
  up: string
  grid: string
  text: string
}

let cached: Palette | null = null

/** Colours come from app.css's custom properties, so dark mode and contrast rules live in CSS. */
export function palette(): Palette {
  if (cached) return cached
  const css = getComputedStyle(document.documentElement)
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback
  cached = {
    have: v('--piece-have', '#2d9d5c'),
    missing: v('--piece-missing', '#d5dbe5'),
    flight: v('--piece-flight', '#e0a100'),
    down: v('--speed-down', '#1f5fcf'),
    up: v('--speed-up', '#c2410c'),
    grid: v('--grid', '#d5dbe5'),
    text: v('--muted', '#4a5566'),
  }
  return cached
}

if (typeof matchMedia === 'function') {
  // A theme switch changes the custom properties; read them again at the next draw.
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => (cached = null))
}

/** Sizes the backing store for the device pixel ratio; returns a context drawing in CSS px. */
/**
 * Reports the element's content width in whole pixels now and on every resize, so a canvas is
 * redrawn at its real size; returns the disconnect (an `$effect` cleanup).
 */
export function observeWidth(el: Element, set: (width: number) => void): () => void {
  const ro = new ResizeObserver((entries) => set(Math.floor(entries[0]?.contentRect.width ?? 0)))
  ro.observe(el)
  return () => ro.disconnect()
}

export function prepare(canvas: HTMLCanvasElement, width: number, height: number): CanvasRenderingContext2D | null {
  const dpr = Math.min(3, window.devicePixelRatio || 1)
  const w = Math.max(1, Math.round(width * dpr))
  const h = Math.max(1, Math.round(height * dpr))
  // Assigning width/height clears the canvas even when unchanged; only the backing store resizes.
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w
    canvas.height = h
  }
  const ctx = canvas.getContext('2d')
  if (!ctx) return null
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0)
  ctx.clearRect(0, 0, width, height)
  return ctx
}

/** Cells `cellW` wide (fractional: edges rounded to whole pixels so they stay sharp) and `cellH` tall. */
export function drawPieces(ctx: CanvasRenderingContext2D, cells: PieceCells, cols: number, cellW: number, cellH: number, p: Palette): void {
  const gap = cellW >= 6 ? 1 : 0
  for (let c = 0; c < cells.held.length; c++) {
    const col = c % cols
    const x = Math.round(col * cellW)
    const w = Math.round((col + 1) * cellW) - x - gap
    const y = Math.floor(c / cols) * cellH
    const h = cellH - gap
    const held = cells.held[c]!
    ctx.fillStyle = p.missing
    ctx.fillRect(x, y, w, h)
    if (held > 0) {
      // A partly held group is shaded by its fraction, never fully empty-looking.
      ctx.globalAlpha = held >= 1 ? 1 : 0.3 + 0.6 * held
      ctx.fillStyle = p.have
      ctx.fillRect(x, y, w, h)
      ctx.globalAlpha = 1
    }
    if (cells.flight[c]) {
      const inset = Math.max(1, Math.floor(Math.min(w, h) / 4))
      ctx.fillStyle = p.flight
      ctx.fillRect(x + inset, y + inset, w - 2 * inset, h - 2 * inset)
    }
  }
}

export function drawSpeeds(ctx: CanvasRenderingContext2D, down: readonly number[], up: readonly number[], slots: number,
  width: number, height: number, p: Palette, label: string): void {
  const top = 14
  const max = Math.max(1, ...down, ...up)
  ctx.strokeStyle = p.grid
  ctx.lineWidth = 1
  ctx.beginPath()
  ctx.moveTo(0, height - 0.5)
  ctx.lineTo(width, height - 0.5)
  ctx.moveTo(0, top + 0.5)
  ctx.lineTo(width, top + 0.5)
  ctx.stroke()
  const x = (i: number, n: number) => width - ((n - 1 - i) * width) / (slots - 1)
  const y = (v: number) => height - 1 - (v / max) * (height - top - 2)
  const line = (series: readonly number[], colour: string, fill: boolean) => {
    if (!series.some((v) => v > 0)) return // an idle direction is no line, not a line along the axis
    ctx.beginPath()
    series.forEach((v, i) => (i === 0 ? ctx.moveTo(x(i, series.length), y(v)) : ctx.lineTo(x(i, series.length), y(v))))
    ctx.strokeStyle = colour
    ctx.lineWidth = 2
    ctx.stroke()
    if (fill) {
      ctx.lineTo(x(series.length - 1, series.length), height)
      ctx.lineTo(x(0, series.length), height)
      ctx.closePath()
      ctx.globalAlpha = 0.18
      ctx.fillStyle = colour
      ctx.fill()
      ctx.globalAlpha = 1
    }
  }
  line(down, p.down, true)
  line(up, p.up, false)
  ctx.fillStyle = p.text
  ctx.font = '11px system-ui, sans-serif'
  ctx.textBaseline = 'top'
  ctx.fillText(label, 2, 0)
}
