// Rate meters: what the request pipeline, the choker and the page read as a peer's speed.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { RateMeter } from '../src/lib/engine/rate'

const T0 = 1_700_000_000_000

test('a young connection is measured over its age, not the whole window', () => {
  const m = new RateMeter(5)
  // 1 MB every 100 ms for 2 s: 10 MB/s from the first byte.
  for (let t = 0; t < 2000; t += 100) m.add(1_000_000, T0 + t)
  const r = m.rate(T0 + 2000)
  assert.ok(r > 9e6 && r <= 10.5e6, `rate ${r}`)
})

test('its first bytes are averaged over at least a second', () => {
  const m = new RateMeter(5)
  m.add(16_384, T0)
  assert.equal(m.rate(T0 + 10), 16_384)
  assert.equal(new RateMeter(5).rate(T0), 0)
})

test('an old connection averages over the window, and bytes older than the window are gone', () => {
  const m = new RateMeter(5)
  m.add(5_000_000, T0)
  m.add(5_000_000, T0 + 9_000)
  assert.equal(m.rate(T0 + 9_500), 1_000_000)
  assert.equal(m.rate(T0 + 20_000), 0)
})
