// V8 flags for the tracker process, per mode (signal-tracker/node-flags.json), read by
// `npm start` and by the tracker benchmark so both run what ships.
//
// memory (no REDIS_URL): a 1 MiB young generation. The tracker's garbage is short-lived
// frames answered in the turn that read them, and V8's default lets the young generation grow
// to tens of MiB under load, a third of the tracker's memory with 10,000 peers connected;
// with 16 MiB it was no faster (BENCHMARKS.md, "Tracker load" and "Tracker cluster on Redis").
//
// cluster (REDIS_URL set): a 16 MiB young generation. A node holds each announce, and the
// relays it owes, across Redis round trips, so each scavenge finds live data to copy; with
// 16 MiB it scavenges a sixteenth as often. Over the runs of 2026-12-07 two nodes averaged
// 15% more announces per CPU-second with it (1,423 against 1,240; one node 9%), while the
// in-memory tracker was no faster with 16 MiB, and 32 or 64 MiB added memory, not speed
// (BENCHMARKS.md, "Tracker cluster on Redis", eighth run).

import { readFileSync } from 'node:fs'

const FLAG = /^--[\w-]+(=[\w.-]+)?$/

/** @param {unknown} v @returns {v is string[]} */
const isFlagList = (v) => Array.isArray(v) && v.every((f) => typeof f === 'string' && FLAG.test(f))

/**
 * The flags for `mode` ('memory' or 'cluster') from `file`; throws with a message saying what
 * is wrong with the file.
 * @param {string} file
 * @param {'memory' | 'cluster'} mode
 * @returns {string[]}
 */
export function trackerNodeFlags(file, mode) {
  let raw
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'))
  } catch (err) {
    throw new Error(`cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`)
  }
  const flags = raw !== null && typeof raw === 'object' ? raw[mode] : undefined
  if (!isFlagList(flags)) throw new Error(`${file} must be {"memory": [...], "cluster": [...]}, each an array of --flag strings`)
  return flags
}
