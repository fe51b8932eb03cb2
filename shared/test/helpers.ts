// Test helpers: deterministic bytes and small utilities shared by the shared/ unit tests.
import { concatBytes, sha1 } from '../binary'

/** Deterministic pseudo-random bytes (xorshift32), so failures reproduce. */
export function pseudoRandomBytes(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length)
  let x = seed >>> 0 || 1
  for (let i = 0; i < length; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out[i] = x & 0xff
  }
  return out
}

/** A seeded PRNG returning floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let x = seed >>> 0 || 1
  return () => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return (x >>> 0) / 0x100000000
  }
}

/** SHA-1 of each piece of the concatenated files, as a torrent's `pieces` string. */
export async function pieceHashesOf(files: readonly Uint8Array[], pieceLength: number): Promise<Uint8Array> {
  const all = concatBytes(files)
  const hashes: Uint8Array[] = []
  for (let at = 0; at < all.length; at += pieceLength) hashes.push(await sha1(all.subarray(at, at + pieceLength)))
  return concatBytes(hashes)
}

export const ascii = (s: string): Uint8Array => new TextEncoder().encode(s)
