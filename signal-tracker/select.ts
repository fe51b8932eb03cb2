// Choosing which peers of a swarm receive an announce's offers. Random, weighted toward peers
// that have uploaded more (DESIGN.md: the seed design's "upload frequency"), and bounded work:
// an announce in a 10,000-peer swarm costs about as much as one in a 10-peer swarm.

/** What the picker needs of a swarm member; `index` is its slot in the members array. */
export interface Pickable {
  index: number
}

// How many uniformly sampled candidates the weighted draw chooses among: per wanted target,
// and at least MIN_POOL. Larger pools favour heavy uploaders more strongly; these keep
// newcomers reachable while a big uploader gets several times the offers of an idle peer.
const POOL_PER_TARGET = 3
const MIN_POOL = 8

/**
 * Weight of a peer given its reported upload in bytes: 1 for nothing, +1 per doubling past
 * 1 MiB. Logarithmic so a big seeder is preferred without starving everyone else of offers.
 */
export function uploadWeight(uploaded: number): number {
  return 1 + Math.log2(1 + uploaded / 1048576)
}

/**
 * Picks up to `count` distinct eligible members. Draws candidates uniformly with a partial
 * Fisher-Yates shuffle of `members` in place (order in a swarm means nothing, and swapping
 * keeps each `index` right, so no per-call allocation of an index set), then keeps the
 * `count` best of them by Efraimidis-Spirakis keys u^(1/w): a weighted sample without
 * replacement. Ineligible members (the sender, peers it is already connected to) are skipped
 * and cost one step each, so the work is O(count + ineligible), never O(swarm size).
 */
export function pickWeighted<T extends Pickable>(
  members: T[],
  count: number,
  eligible: (m: T) => boolean,
  weight: (m: T) => number,
  out: T[],
): T[] {
  out.length = 0
  const n = members.length
  if (count <= 0 || n === 0) return out
  const pool = Math.max(MIN_POOL, count * POOL_PER_TARGET)
  const keys: number[] = []
  let seen = 0
  for (let i = 0; i < n && seen < pool; i++) {
    const j = i + Math.floor(Math.random() * (n - i))
    const a = members[i]!
    const b = members[j]!
    members[i] = b
    members[j] = a
    b.index = i
    a.index = j
    if (!eligible(b)) continue
    seen++
    const w = weight(b)
    const key = w === 1 ? Math.random() : Math.random() ** (1 / w)
    // Insertion into a list of at most `count` (<= 10) entries sorted by key, descending.
    if (out.length === count && key <= keys[count - 1]!) continue
    let k = out.length < count ? out.length : count - 1
    while (k > 0 && keys[k - 1]! < key) {
      keys[k] = keys[k - 1]!
      out[k] = out[k - 1]!
      k--
    }
    keys[k] = key
    out[k] = b
  }
  return out
}
