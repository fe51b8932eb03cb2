// How much the browser lets Tabswarm keep, and whether it may throw it away. IndexedDB is
// "best effort" storage: under pressure the browser may evict it, and every stored piece with
// it, unless the site holds persistent storage. We ask for that once, on the first share or
// download (the moment the user shows they mean to keep data), and say what the browser answered.

export class StorageState {
  usage = $state<number | null>(null)
  quota = $state<number | null>(null)
  /** true: kept; false: may be evicted; null: not known (API missing or not asked yet). */
  persisted = $state<boolean | null>(null)
  readonly supported: boolean
  private asked = false
  private timer: ReturnType<typeof setInterval> | null = null

  constructor() {
    this.supported = typeof navigator !== 'undefined' && typeof navigator.storage?.estimate === 'function'
  }

  /** First figures, then a refresh every `periodMs` (downloads grow the figure between actions). */
  start(periodMs = 5000): void {
    if (!this.supported || this.timer) return
    void this.refresh()
    void this.checkPersisted()
    this.timer = setInterval(() => void this.refresh(), periodMs)
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
  }

  async refresh(): Promise<void> {
    if (!this.supported) return
    try {
      const e: unknown = await navigator.storage.estimate()
      const { usage, quota } = decodeEstimate(e)
      this.usage = usage
      this.quota = quota
    } catch {
      // An estimate is advisory; keep the last figures rather than show an error for it.
    }
  }

  private async checkPersisted(): Promise<void> {
    if (typeof navigator.storage?.persisted !== 'function') return
    try {
      this.persisted = (await navigator.storage.persisted()) === true
    } catch {
      this.persisted = null
    }
  }

  /**
   * Called at the start of a share or download, still inside the user's gesture (Firefox shows
   * a prompt for persist() and wants one). Asked once per page; the answer is shown, not enforced.
   */
  requestPersist(): void {
    if (this.asked || this.persisted === true || typeof navigator.storage?.persist !== 'function') return
    this.asked = true
    navigator.storage.persist().then(
      (granted) => (this.persisted = granted === true),
      () => undefined,
    )
  }

  get available(): number | null {
    return this.usage !== null && this.quota !== null ? Math.max(0, this.quota - this.usage) : null
  }
}

/** navigator.storage.estimate() as numbers; missing or odd fields become null. */
export function decodeEstimate(e: unknown): { usage: number | null; quota: number | null } {
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : null)
  if (typeof e !== 'object' || e === null) return { usage: null, quota: null }
  const r = e as Record<string, unknown>
  return { usage: num(r.usage), quota: num(r.quota) }
}
