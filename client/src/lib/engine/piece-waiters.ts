// Promises for "this piece is here": a stream waits on the pieces under its range. Resolved
// with the verified bytes themselves (when the hash check passes, and again for late waiters
// once the IndexedDB write commits), so a reader in another context (the service worker)
// need not read them back; rejected when the torrent goes away or the caller aborts.
export class PieceWaiters {
  private readonly waiting = new Map<number, Set<{ resolve: (bytes: Uint8Array) => void; reject: (err: unknown) => void }>>()

  wait(index: number, signal?: AbortSignal): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(abortError(signal))
      let set = this.waiting.get(index)
      if (!set) this.waiting.set(index, (set = new Set()))
      const entry = {
        resolve: (bytes: Uint8Array) => {
          signal?.removeEventListener('abort', onAbort)
          resolve(bytes)
        },
        reject: (err: unknown) => {
          signal?.removeEventListener('abort', onAbort)
          reject(err)
        },
      }
      const onAbort = () => {
        set.delete(entry)
        if (set.size === 0) this.waiting.delete(index)
        reject(abortError(signal!))
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      set.add(entry)
    })
  }

  stored(index: number, bytes: Uint8Array): void {
    const set = this.waiting.get(index)
    if (!set) return
    this.waiting.delete(index)
    for (const w of set) w.resolve(bytes)
  }

  rejectAll(err: Error): void {
    const all = [...this.waiting.values()]
    this.waiting.clear()
    for (const set of all) for (const w of set) w.reject(err)
  }
}

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The wait was aborted', 'AbortError')
}
