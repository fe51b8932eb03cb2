// Run callbacks once the current task ends, like setTimeout(fn, 0) but without the 4 ms clamp
// browsers apply to nested timers: on the wire's hot path a clamp is 4 ms of idle link.

const pending: (() => void)[] = []
let port: MessagePort | null = null

function runPending(): void {
  const fns = pending.splice(0)
  for (const fn of fns) fn()
}

export function afterTask(fn: () => void): void {
  pending.push(fn)
  if (pending.length > 1) return
  if (!port) {
    const channel = new MessageChannel()
    channel.port1.onmessage = runPending
    // In Node (unit tests) an idle port must not keep the process alive.
    ;(channel.port1 as MessagePort & { unref?: () => void }).unref?.()
    port = channel.port2
  }
  port.postMessage(null)
}
