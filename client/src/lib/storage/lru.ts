// A least-recently-used cache bounded by bytes. Peers ask for a piece as 16 KiB blocks one
// after another (a 4 MiB piece is 256 requests), so without it every block would cost one
// IndexedDB read of the whole piece.

export class ByteLru<V extends { byteLength: number }> {
  // A Map iterates in insertion order; re-inserting on every hit keeps the oldest first.
  private readonly map = new Map<string, V>()
  private bytes = 0

  constructor(readonly maxBytes: number) {}

  get size(): number {
    return this.map.size
  }

  get byteLength(): number {
    return this.bytes
  }

  get(key: string): V | undefined {
    const v = this.map.get(key)
    if (v === undefined) return undefined
    this.map.delete(key)
    this.map.set(key, v)
    return v
  }

  /** Values larger than half the budget are not kept: one would evict nearly everything. */
  set(key: string, value: V): void {
    this.delete(key)
    if (value.byteLength > this.maxBytes / 2) return
    this.map.set(key, value)
    this.bytes += value.byteLength
    for (const [k, v] of this.map) {
      if (this.bytes <= this.maxBytes) break
      this.map.delete(k)
      this.bytes -= v.byteLength
    }
  }

  delete(key: string): void {
    const v = this.map.get(key)
    if (v === undefined) return
    this.map.delete(key)
    this.bytes -= v.byteLength
  }

  /** Drops every key starting with `prefix` (all pieces of one torrent). */
  deletePrefix(prefix: string): void {
    for (const k of [...this.map.keys()]) if (k.startsWith(prefix)) this.delete(k)
  }

  clear(): void {
    this.map.clear()
    this.bytes = 0
  }
}
