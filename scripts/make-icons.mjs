// Draws the app icons (public/icon-192.png, public/icon-512.png): a piece map in miniature,
// held pieces green, one in flight amber, on the accent blue. Full-bleed background with the
// motif inside the central 60 %, so the same file serves as a "maskable" icon.
// Run: node scripts/make-icons.mjs (the PNGs are committed; rerun only to change the design).
import { writeFileSync } from 'node:fs'
import { crc32, deflateSync } from 'node:zlib'

const BG = [0x1f, 0x5f, 0xcf]
const HAVE = [0x5f, 0xd0, 0x8f]
const MISSING = [0xe3, 0xe8, 0xf0]
const FLIGHT = [0xf2, 0xb2, 0x33]
// 4 x 4 cells, row by row: h = have, m = missing, f = in flight.
const PATTERN = 'hhhh' + 'hhfm' + 'hmhm' + 'mhmm'

function draw(size) {
  const px = Buffer.alloc(size * size * 4)
  const set = (x, y, [r, g, b]) => px.set([r, g, b, 255], (y * size + x) * 4)
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) set(x, y, BG)
  const area = Math.round(size * 0.6)
  const origin = Math.round((size - area) / 2)
  const cell = area / 4
  const gap = Math.max(2, Math.round(cell * 0.12))
  for (let i = 0; i < 16; i++) {
    const colour = { h: HAVE, m: MISSING, f: FLIGHT }[PATTERN[i]]
    const x0 = Math.round(origin + (i % 4) * cell + gap / 2)
    const y0 = Math.round(origin + Math.floor(i / 4) * cell + gap / 2)
    const side = Math.round(cell - gap)
    for (let y = y0; y < y0 + side; y++) for (let x = x0; x < x0 + side; x++) set(x, y, colour)
  }
  return png(size, size, px)
}

function chunk(type, data) {
  const len = Buffer.alloc(4)
  len.writeUInt32BE(data.length)
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(td) >>> 0)
  return Buffer.concat([len, td, crc])
}

function png(w, h, rgba) {
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(w, 0)
  ihdr.writeUInt32BE(h, 4)
  ihdr.set([8, 6, 0, 0, 0], 8) // 8-bit RGBA, no interlace
  const raw = Buffer.alloc((w * 4 + 1) * h)
  for (let y = 0; y < h; y++) rgba.copy(raw, y * (w * 4 + 1) + 1, y * w * 4, (y + 1) * w * 4) // filter 0 per row
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))])
}

for (const size of [192, 512]) writeFileSync(new URL(`../public/icon-${size}.png`, import.meta.url), draw(size))
