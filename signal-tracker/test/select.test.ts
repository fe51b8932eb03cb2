// Peer choice for offers: distinct, eligible only, weighted toward uploaders, bounded work.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { pickWeighted, uploadWeight } from '../select'

interface M { index: number; id: number; uploaded: number; ok: boolean }
const swarm = (n: number, f: (i: number) => Partial<M> = () => ({})): M[] =>
  Array.from({ length: n }, (_, i) => ({ index: i, id: i, uploaded: 0, ok: true, ...f(i) }))
const pick = (ms: M[], k: number) => pickWeighted(ms, k, (m) => m.ok, (m) => uploadWeight(m.uploaded), [])

test('picks distinct eligible members and keeps indexes right', () => {
  const ms = swarm(50, (i) => ({ ok: i % 3 !== 0 }))
  for (let r = 0; r < 200; r++) {
    const got = pick(ms, 10)
    assert.equal(got.length, 10)
    assert.equal(new Set(got).size, 10)
    assert.ok(got.every((m) => m.ok))
    ms.forEach((m, i) => assert.equal(m.index, i))
  }
  assert.equal(pick(swarm(3, (i) => ({ ok: i !== 1 })), 5).length, 2, 'fewer eligible than wanted')
  assert.equal(pick([], 5).length, 0)
})

test('heavy uploaders are chosen more often, others still get offers', () => {
  const ms = swarm(20, (i) => ({ uploaded: i === 0 ? 1024 ** 3 : 0 }))
  const hits = new Array(20).fill(0)
  for (let r = 0; r < 20000; r++) for (const m of pick(ms, 1)) hits[m.id]++
  const others = hits.slice(1).reduce((a, b) => a + b, 0) / 19
  assert.ok(hits[0] > 3 * others, `uploader ${hits[0]} vs mean other ${others}`)
  assert.ok(hits.slice(1).every((h) => h > 0), 'nobody starves')
})

test('work is bounded by the wanted count, not the swarm size', () => {
  const ms = swarm(100_000)
  let calls = 0
  pickWeighted(ms, 5, () => { calls++; return true }, () => 1, [])
  assert.ok(calls <= 16, `${calls} eligibility checks`)
})
