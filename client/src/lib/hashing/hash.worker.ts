// One hashing thread of HashPool. crypto.subtle runs SHA-1 at about 1.5 GB/s per thread here
// (DESIGN.md), so a worker per core keeps up with disk and network while the page stays smooth.
import { decodeHashRequest, type HashReply } from './messages'

// The project's lib is DOM, not WebWorker; these are the two worker-scope members we use, typed
// as a dedicated worker has them.
const scope = self as unknown as {
  addEventListener(type: 'message', listener: (ev: MessageEvent<unknown>) => void): void
  postMessage(message: HashReply, transfer: Transferable[]): void
}

scope.addEventListener('message', (ev) => {
  void handle(ev.data)
})

async function handle(raw: unknown): Promise<void> {
  let request
  try {
    request = decodeHashRequest(raw)
  } catch (err) {
    // Without a valid id the pool cannot match a reply; it learns from an error event instead.
    setTimeout(() => {
      throw err
    })
    return
  }
  const { id, buffer } = request
  try {
    // digest() copies its input first, so `buffer` is still ours to hand back afterwards.
    const digest = await crypto.subtle.digest('SHA-1', buffer)
    scope.postMessage({ type: 'digest', id, digest, buffer }, [buffer, digest])
  } catch (err) {
    const message = `SHA-1 failed: ${err instanceof Error ? err.message : String(err)}`
    try {
      scope.postMessage({ type: 'error', id, message, buffer }, [buffer])
    } catch {
      // The buffer was already detached: report the failure without it.
      scope.postMessage({ type: 'error', id, message, buffer: null }, [])
    }
  }
}
