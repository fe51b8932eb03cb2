// Our one door to Redis. ioredis does the hard parts (reconnecting with backoff, resubscribing
// channels after a reconnect, EVALSHA with a reload on NOSCRIPT after a Redis restart); this
// file narrows it to the few calls the cluster state makes, so the rest never sees ioredis
// and every reply leaves here as `unknown`, to be decoded by the caller.

import { Redis } from 'ioredis'
import { InFlight } from '../backpressure'
import { SCRIPTS } from './scripts'
import { TurnEnd, type Corkable } from './turn-end'
import type { ScriptName } from './scripts'

export type Arg = string | number
/** A Lua script of scripts.ts or a plain command, for `batch`. */
export type Op = { script: ScriptName; keys: string[]; args: Arg[] } | { cmd: string; args: Arg[] }

export interface RedisLink {
  /** True while the command connection is ready. */
  readonly up: boolean
  /** Calls sent and not yet answered. */
  readonly inFlight: InFlight
  /** Resolves once connected, or after `connectTimeoutMs` even if Redis is not there yet. */
  readonly ready: Promise<void>
  /** `weight`: how many calls it counts as in `inFlight` (0: the caller counts it). */
  run(script: ScriptName, keys: string[], args: Arg[], weight?: number): Promise<unknown>
  command(cmd: string, args: Arg[]): Promise<unknown>
  /** One round trip; a failed command's slot holds its Error instead of a reply. */
  batch(ops: Op[]): Promise<unknown[]>
  /** Resolves with the number of subscribers that got it (0: nobody listens there). */
  publish(channel: string, message: string): Promise<number>
  /** Runs `fn` at the end of this turn, its writes to Redis in one syscall (turn-end.ts). */
  atTurnEnd(fn: () => void): void
  subscribe(channel: string, onMessage: (message: string) => void): Promise<void>
  /** Called with false when the connection drops, true when it is ready again. */
  onChange(fn: (up: boolean) => void): void
  close(): Promise<void>
}

type Scripted = Redis & Record<ScriptName, (...a: Arg[]) => Promise<unknown>>
type ScriptedPipeline = ReturnType<Redis['pipeline']> & Record<ScriptName, (...a: Arg[]) => unknown>

export function connectRedis(url: string, connectTimeoutMs = 3000): RedisLink {
  const common = {
    // Fail fast while Redis is away: an announce must get "temporarily unavailable" now, not
    // sit in an offline queue and be answered minutes later.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: 5000,
    retryStrategy: (times: number) => Math.min(100 * times, 1000),
    lazyConnect: false,
    // Commands issued in one event-loop turn leave in one write and are read by Redis in one
    // read: under load that halves the syscalls, the larger part of a command's cost.
    enableAutoPipelining: true,
    // Except PUBLISH and the announce scripts: the outbox already sends one publish per node
    // per turn, the batcher one script call per turn (both at atTurnEnd, in one write), and
    // an auto-pipelined command would wait for the pipeline in flight (a round trip, more
    // under load) before it even leaves, then for another turn of the event loop: a
    // cross-node relay took that wait twice, offer and answer.
    autoPipeliningIgnoredCommands: ['publish', 'tsAnnounce', 'tsAnnounceMany'],
  }
  const cmd = new Redis(url, { ...common, connectionName: 'tabswarm' }) as Scripted
  // The subscriber queues its SUBSCRIBE until connected (however long Redis takes to come up)
  // and resubscribes after every reconnect.
  const sub = new Redis(url, { ...common, enableOfflineQueue: true, maxRetriesPerRequest: null, connectionName: 'tabswarm-sub' })
  for (const [name, lua] of Object.entries(SCRIPTS)) cmd.defineCommand(name, { lua })
  // Errors are reported through up/down; without listeners ioredis would log every retry.
  cmd.on('error', () => {})
  sub.on('error', () => {})

  // Up only while commands can run AND this node's channel is subscribed: after a Redis
  // restart, a node that registered peers before its channel was back would have their
  // relays published to nobody, which other nodes read as "that node is gone".
  let up = false
  let cmdUp = false
  let subUp = false
  const listeners: ((up: boolean) => void)[] = []
  const update = (): void => {
    const v = cmdUp && subUp
    if (v === up) return
    up = v
    for (const fn of listeners) fn(v)
  }
  cmd.on('ready', () => { cmdUp = true; update() })
  for (const ev of ['close', 'end']) {
    cmd.on(ev, () => { cmdUp = false; update() })
    sub.on(ev, () => { subUp = false; update() })
  }

  const handlers = new Map<string, (m: string) => void>()
  // ioredis resubscribes on 'ready' without waiting for the reply; subscribing again (a no-op
  // for Redis) tells us when the channels are really back.
  sub.on('ready', () => {
    const channels = [...handlers.keys()]
    if (channels.length === 0) return
    sub.subscribe(...channels).then(() => { subUp = true; update() }, () => {})
  })
  sub.on('message', (channel: unknown, message: unknown) => {
    if (typeof channel === 'string' && typeof message === 'string') handlers.get(channel)?.(message)
  })

  const ready = new Promise<void>((resolve) => {
    const t = setTimeout(resolve, connectTimeoutMs)
    t.unref()
    const check = (v: boolean): void => { if (v) { clearTimeout(t); resolve() } }
    listeners.push(check)
  })

  const batch = async (ops: Op[]): Promise<unknown[]> => {
    const p = cmd.pipeline() as ScriptedPipeline
    for (const op of ops) {
      if ('script' in op) p[op.script](op.keys.length, ...op.keys, ...op.args)
      else p.call(op.cmd, op.args)
    }
    const out = await p.exec()
    if (!out) throw new Error('redis pipeline was discarded')
    return out.map(([err, reply]) => err ?? reply)
  }
  const inFlight = new InFlight()
  const turnEnd = new TurnEnd(() => (cmd as unknown as { stream?: Corkable }).stream)
  return {
    get up() { return up },
    ready,
    inFlight,
    run: (script, keys, args, weight = 1) => inFlight.track(cmd[script](keys.length, ...keys, ...args), weight),
    command: (name, args) => inFlight.track(cmd.call(name, args)),
    batch: (ops) => inFlight.track(batch(ops)),
    async publish(channel, message) {
      const n: unknown = await inFlight.track(cmd.publish(channel, message))
      return typeof n === 'number' ? n : 0
    },
    atTurnEnd: (fn) => turnEnd.add(fn),
    async subscribe(channel, onMessage) {
      handlers.set(channel, onMessage)
      await sub.subscribe(channel)
      subUp = true
      update()
    },
    onChange(fn) { listeners.push(fn) },
    async close() {
      listeners.length = 0
      cmd.disconnect()
      sub.disconnect()
    },
  }
}
