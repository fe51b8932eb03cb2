// Environment parsing, and main.ts refusing to start on a malformed ICE_SERVERS.

import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { test } from 'node:test'
import { ConfigError, optionsFromEnv, parseIceServers } from '../config'

test('ICE_SERVERS: default [], valid arrays, clear errors', () => {
  assert.deepEqual(parseIceServers(undefined), [])
  assert.deepEqual(parseIceServers('[]'), [])
  assert.deepEqual(parseIceServers('[{"urls":["stun:10.0.0.1:3478"]},{"urls":"turn:t.example:3478","username":"u","credential":"p"}]'),
    [{ urls: ['stun:10.0.0.1:3478'] }, { urls: 'turn:t.example:3478', username: 'u', credential: 'p' }])
  for (const [raw, re] of [
    ['stun:x', /not valid JSON/], ['{"urls":"stun:x"}', /array/], ['[1]', /object/],
    ['[{"urls":"http://x"}]', /stun:, stuns:, turn:/], ['[{"urls":"turn:x"}]', /username and credential/],
  ] as const) {
    assert.throws(() => parseIceServers(raw), (e: unknown) => e instanceof ConfigError && re.test(e.message), raw)
  }
})

test('env defaults and overrides', () => {
  const d = optionsFromEnv({})
  assert.deepEqual([d.host, d.port, d.maxConnPerIp, d.adminToken], ['127.0.0.1', 8000, 1000, undefined])
  const o = optionsFromEnv({ HOST: '0.0.0.0', PORT: '9000', MAX_CONN_PER_IP: '5', ADMIN_TOKEN: 't' })
  assert.deepEqual([o.host, o.port, o.maxConnPerIp, o.adminToken], ['0.0.0.0', 9000, 5, 't'])
  assert.deepEqual([d.announceInterval, d.evictionGraceMs, d.redisUrl], [120, 30_000, undefined])
  const c = optionsFromEnv({ ANNOUNCE_INTERVAL: '60', EVICTION_GRACE: '5', REDIS_URL: 'redis://10.0.0.2:6379' })
  assert.deepEqual([c.announceInterval, c.evictionGraceMs, c.redisUrl], [60, 5000, 'redis://10.0.0.2:6379'])
  assert.throws(() => optionsFromEnv({ ANNOUNCE_INTERVAL: '0' }), /ANNOUNCE_INTERVAL must be an integer/)
  assert.throws(() => optionsFromEnv({ EVICTION_GRACE: '-1' }), /EVICTION_GRACE/)
  assert.throws(() => optionsFromEnv({ REDIS_URL: 'http://x:6379' }), /REDIS_URL must start with redis:\/\//)
  assert.throws(() => optionsFromEnv({ PORT: 'eighty' }), /PORT must be an integer/)
  assert.throws(() => optionsFromEnv({ MAX_CONN_PER_IP: '0' }), /MAX_CONN_PER_IP/)
})

function runMain(env: Record<string, string>, untilOutput?: RegExp): Promise<{ code: number | null; out: string }> {
  const main = fileURLToPath(new URL('../main.ts', import.meta.url))
  const child = spawn(process.execPath, ['--import', 'tsx', main], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let signalled = false
  return new Promise((resolve) => {
    const onData = (d: Buffer) => {
      out += d
      // Once only: a second SIGTERM during shutdown would be a different test.
      if (!signalled && untilOutput?.test(out)) {
        signalled = true
        child.kill('SIGTERM')
      }
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.on('exit', (code) => resolve({ code, out }))
  })
}

test('main.ts refuses to start with a malformed ICE_SERVERS', async () => {
  const { code, out } = await runMain({ ICE_SERVERS: '[{"urls":42}]', PORT: '0' })
  assert.equal(code, 1)
  assert.match(out, /ICE_SERVERS\[0\]\.urls/)
})

test('main.ts starts, prints its URLs, and stops on SIGTERM', async () => {
  const { code, out } = await runMain({ PORT: '0', HOST: '127.0.0.1', ICE_SERVERS: '' }, /dashboard/)
  assert.match(out, /app http:\/\/127\.0\.0\.1:\d+\/ {2}dashboard/)
  assert.equal(code, 0)
})

test('node-flags.json: npm start finds flags for both modes, and a malformed file is refused with a message', async () => {
  const { trackerNodeFlags } = await import('../../scripts/node-flags.mjs')
  const shipped = fileURLToPath(new URL('../node-flags.json', import.meta.url))
  for (const mode of ['memory', 'cluster'] as const) {
    const flags = trackerNodeFlags(shipped, mode)
    assert.ok(flags.length > 0 && flags.every((f) => f.startsWith('--')), mode)
  }
  // The cluster's young generation is the larger one (node-flags.mjs says why).
  const semi = (mode: 'memory' | 'cluster'): number => Number(/--max-semi-space-size=(\d+)/.exec(trackerNodeFlags(shipped, mode).join(' '))?.[1])
  assert.ok(semi('cluster') > semi('memory'))
  const { mkdtempSync, writeFileSync } = await import('node:fs')
  const { join } = await import('node:path')
  const { tmpdir } = await import('node:os')
  const dir = mkdtempSync(join(tmpdir(), 'flags-'))
  for (const [body, re] of [
    ['["--max-semi-space-size=1"]', /must be \{"memory"/], ['{"memory": ["rm -rf"], "cluster": []}', /--flag strings/],
    ['{not json', /cannot read/],
  ] as const) {
    const f = join(dir, 'flags.json')
    writeFileSync(f, body)
    assert.throws(() => trackerNodeFlags(f, 'memory'), re, body)
  }
  assert.throws(() => trackerNodeFlags(join(dir, 'missing.json'), 'cluster'), /cannot read/)
})
