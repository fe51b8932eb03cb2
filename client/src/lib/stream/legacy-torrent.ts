// TEMPORARY until the engine's priority mechanism lands on main: whenStored by polling the
// torrent's bitfield, and no priorities. Deleted at the merge of "priority:".
import type { Torrent } from '../engine/torrent'
import type { StreamTorrent } from './host'

export function asStreamTorrent(t: Torrent): StreamTorrent {
  return {
    prioritize: () => () => {},
    whenStored: (index, signal) =>
      new Promise<void>((resolve, reject) => {
        const timer = setInterval(() => {
          if (signal?.aborted) reject(new DOMException('aborted', 'AbortError'))
          else if (t.have?.has(index)) resolve()
          else return
          clearInterval(timer)
        }, 100)
      }),
  }
}
