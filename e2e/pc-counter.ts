// Counting a page's live RTCPeerConnections, for the heavy-tab test and the `many` benchmark.
// No imports: the function is serialised into the page as an init script.

export interface PcCount {
  live: number
  created: number
}

/**
 * Installed before the app loads: RTCPeerConnection becomes a subclass that remembers every
 * instance through a WeakRef only (so counting keeps no closed connection alive) and
 * `__pcCount()` reports how many are not closed, and how many were ever made.
 */
export function countPeerConnections(): void {
  const w = window as unknown as { RTCPeerConnection: typeof RTCPeerConnection; __pcCount?: () => { live: number; created: number } }
  const Native = w.RTCPeerConnection
  if (!Native || w.__pcCount) return
  const refs: WeakRef<RTCPeerConnection>[] = []
  let created = 0
  class Counted extends Native {
    constructor(config?: RTCConfiguration) {
      super(config)
      created++
      refs.push(new WeakRef(this))
    }
  }
  w.RTCPeerConnection = Counted
  w.__pcCount = () => {
    let live = 0
    for (let i = refs.length - 1; i >= 0; i--) {
      const pc = refs[i]!.deref()
      if (!pc || pc.signalingState === 'closed' || pc.connectionState === 'closed') refs.splice(i, 1)
      else live++
    }
    return { live, created }
  }
}
