// The tab's connection budget: offers shared round-robin under one cap, idle seeders sending
// none, a peer that reaches us admitted by evicting an idle connection (never a trading one).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ConnectionBudget, type BudgetLimits, type Lease, type OfferSeeker } from '../src/lib/engine/connection-budget'

const LIMITS: BudgetLimits = { maxLive: 36, maxPendingOffers: 8, offersPerRound: 2, graceMs: 5000 }

/** A torrent that wants `want` offers and keeps what it is granted until told otherwise. */
class Seeker implements OfferSeeker {
  readonly held: Lease[] = []
  grants = 0
  constructor(public want: number) {}
  offersWanted(): number {
    return Math.max(0, this.want - this.held.filter((l) => l.phase === 'offer').length)
  }
  granted(leases: Lease[]): void {
    this.grants++
    for (const l of leases) {
      l.evict = () => l.release()
      this.held.push(l)
    }
  }
  /** Its offers expire unanswered. */
  expire(): void {
    for (const l of this.held) if (l.phase === 'offer') l.release()
  }
}

function setup(limits = LIMITS) {
  const clock = { t: 1_000_000 }
  return { clock, budget: new ConnectionBudget(limits, () => clock.t) }
}

test('100 torrents that each want 5 offers hold at most the tab-wide offer budget', () => {
  const { budget } = setup()
  const seekers = Array.from({ length: 100 }, () => new Seeker(5))
  for (const s of seekers) budget.request(s)
  assert.equal(budget.pendingOffers, 8)
  assert.equal(budget.live, 8)
  // Asking one after another (as announce answers arrive), the first takes what it wants while
  // nobody else waits; the rest wait for their turn.
  assert.deepEqual(seekers.slice(0, 3).map((s) => s.held.length), [5, 3, 0])
  for (const s of seekers.slice(0, 2)) s.expire()
  // Slots that free up one by one while many wait go to the waiting torrents in turn.
  assert.deepEqual(seekers.slice(0, 12).map((s) => s.held.filter((l) => l.phase === 'offer').length), [0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0])
})

test('slots freed by expired offers go to the torrents that waited, in turn', () => {
  const { budget } = setup()
  const seekers = Array.from({ length: 20 }, () => new Seeker(1))
  for (const s of seekers) budget.request(s)
  assert.deepEqual(seekers.map((s) => s.grants), [...Array(8).fill(1), ...Array(12).fill(0)])
  for (const s of seekers.slice(0, 8)) s.expire()
  assert.equal(budget.pendingOffers, 8)
  assert.deepEqual(seekers.map((s) => s.grants), [...Array(16).fill(1), ...Array(4).fill(0)])
  // The first ones ask again for their next round: they queue behind the four still waiting.
  for (const s of seekers.slice(0, 8)) budget.request(s)
  for (const s of seekers.slice(8, 16)) s.expire()
  assert.deepEqual(seekers.map((s) => s.grants), [...Array(4).fill(2), ...Array(4).fill(1), ...Array(8).fill(1), ...Array(4).fill(1)])
  assert.equal(budget.pendingOffers, 8)
})

test('a torrent that wants no offers (seeding, no leechers) is skipped', () => {
  const { budget } = setup()
  const idle = new Seeker(0)
  const busy = new Seeker(3)
  budget.request(idle)
  budget.request(busy)
  assert.equal(idle.grants, 0)
  assert.equal(busy.held.length, 3, 'two in its first turn, the third in the next since nobody else waits')
})

test('an answered offer stops counting as an offer but still as a live connection', () => {
  const { budget } = setup({ ...LIMITS, maxPendingOffers: 2 })
  const a = new Seeker(2)
  const b = new Seeker(2)
  budget.request(a)
  budget.request(b)
  assert.equal(b.held.length, 0)
  a.held[0]!.answered()
  assert.equal(budget.pendingOffers, 2, 'the freed offer slot went to the waiting torrent')
  assert.equal(b.held.length, 1)
  assert.equal(budget.live, 3)
  a.held[0]!.opened(() => 0)
  assert.deepEqual(budget.counts(), { offer: 2, connecting: 0, open: 1 })
})

test('offers only take free room: a tab full of open connections makes none', () => {
  const { budget } = setup({ ...LIMITS, maxLive: 10 })
  for (let i = 0; i < 9; i++) budget.admit()!.opened(() => 100)
  const s = new Seeker(5)
  budget.request(s)
  assert.equal(s.held.length, 1)
  assert.equal(budget.live, 10)
})

test('a peer reaching a full tab evicts the idlest open connection, never a trading one', () => {
  const { budget, clock } = setup({ ...LIMITS, maxLive: 4, maxPendingOffers: 0 })
  const closed: string[] = []
  const open = (name: string, activity: () => number) => {
    const l = budget.admit()!
    l.evict = () => {
      closed.push(name)
      l.release()
    }
    l.opened(activity)
    clock.t += 1000
    return l
  }
  open('trading-1', () => 50_000)
  const old = open('idle-old', () => 0)
  open('idle-new', () => 0)
  open('trading-2', () => 1)
  clock.t += 10_000
  assert.ok(budget.admit(), 'room made')
  assert.deepEqual(closed, ['idle-old'])
  assert.equal(old.phase, 'released')
  assert.equal(budget.live, 4)
  assert.ok(budget.admit(), 'room made again')
  assert.deepEqual(closed, ['idle-old', 'idle-new'])
  // Now two trading connections and two still being set up: nothing to evict.
  assert.equal(budget.admit(), null)
  assert.equal(budget.live, 4)
})

test('a connection within its grace period is not evicted; our oldest pending offer is instead', () => {
  const { budget, clock } = setup({ ...LIMITS, maxLive: 3, maxPendingOffers: 3 })
  const fresh = budget.admit()!
  fresh.opened(() => 0)
  const s = new Seeker(2)
  budget.request(s)
  assert.equal(budget.live, 3)
  const [first, second] = s.held
  clock.t += 1000
  const lease = budget.admit()
  assert.ok(lease)
  assert.equal(first!.phase, 'released', 'the oldest offer made room')
  assert.equal(second!.phase, 'offer')
  assert.equal(fresh.phase, 'open')
  assert.ok(budget.live <= 3)
})

test('a cancelled torrent gets no more slots', () => {
  const { budget } = setup({ ...LIMITS, maxPendingOffers: 1 })
  const a = new Seeker(1)
  const b = new Seeker(1)
  budget.request(a)
  budget.request(b)
  budget.cancel(b)
  a.expire()
  assert.equal(b.grants, 0)
  assert.equal(budget.live, 0)
})

test('a torrent alone in line gets every offer it wants in one grant (one announce carries them all)', () => {
  const { budget } = setup()
  const alone = new Seeker(5)
  budget.request(alone)
  assert.deepEqual([alone.grants, alone.held.length], [1, 5])
  // Behind it, the next asks for five and gets the three slots left, also at once.
  const next = new Seeker(5)
  budget.request(next)
  assert.deepEqual([next.grants, next.held.length], [1, 3])
})
