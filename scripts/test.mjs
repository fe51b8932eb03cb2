// `npm test`: typecheck → unit tests → vite build → browser e2e (unit and e2e in a
// loopback-only network namespace). Stops at the first failing stage with a
// non-zero exit; always ends with one line `tests: N passed, N failed[, N skipped]`
// summing the unit and e2e test counts.
//
//   node scripts/test.mjs                 all stages
//   node scripts/test.mjs unit e2e        only these stages, in the usual order
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const bin = (...p) => path.join(root, 'node_modules', ...p)
const RESULTS = path.join(root, 'test-results')
const UNIT_TAP = path.join(RESULTS, 'unit.tap')
const E2E_JSON = path.join(RESULTS, 'e2e.json') // written by the json reporter of playwright.config.ts
const UNIT_DIRS = ['shared/test', 'signal-tracker/test', 'client/test']
const MIN = 60_000
// Unit and e2e tests run in a loopback-only network namespace: whatever they
// start or dial can reach 127.0.0.0/8 and nothing else.
const NETNS = ['bash', path.join(root, 'scripts', 'in-loopback-netns.sh')]

const counts = { passed: 0, failed: 0, skipped: 0 }
let current = null // the running child, for signal forwarding and time limits

// ------------------------------------------------------------ stages

const STAGES = {
  async typecheck() {
    await run('tsc', [bin('typescript', 'bin', 'tsc'), '--noEmit', '-p', 'tsconfig.json'], 5 * MIN)
    await run('svelte-check', [bin('svelte-check', 'bin', 'svelte-check'), '--tsconfig', './tsconfig.json', '--threshold', 'error'], 5 * MIN)
  },

  async unit() {
    const files = UNIT_DIRS.flatMap((d) => findTests(path.join(root, d))).map((f) => path.relative(root, f))
    if (files.length === 0) {
      console.log(`no *.test.ts files under ${UNIT_DIRS.join(', ')}`)
      return
    }
    console.log(`${files.length} test file(s): ${files.join(' ')}`)
    rmSync(UNIT_TAP, { force: true })
    mkdirSync(RESULTS, { recursive: true })
    let failure = null
    try {
      await run('node --test (loopback-only netns)', [
        '--import', 'tsx',
        '--test',
        '--test-timeout=120000',
        '--test-reporter=spec', '--test-reporter-destination=stdout',
        '--test-reporter=tap', `--test-reporter-destination=${path.relative(root, UNIT_TAP)}`,
        ...files,
      ], 10 * MIN, { wrap: NETNS })
    } catch (err) {
      failure = err
    }
    const tap = parseTap(UNIT_TAP)
    if (tap) {
      counts.passed += tap.pass
      counts.failed += tap.fail + tap.cancelled
      counts.skipped += tap.skipped + tap.todo
      console.log(`unit: ${tap.pass} passed, ${tap.fail + tap.cancelled} failed, ${tap.skipped + tap.todo} skipped`)
    }
    if (failure) throw failure
    if (!tap) throw new Error(`the node test runner wrote no summary to ${path.relative(root, UNIT_TAP)}`)
    if (tap.fail + tap.cancelled > 0) throw new Error('unit tests failed')
  },

  async build() {
    await run('vite build', [bin('vite', 'bin', 'vite.js'), 'build'], 5 * MIN)
  },

  async e2e() {
    rmSync(E2E_JSON, { force: true })
    let failure = null
    try {
      // The dist/client build is checked (and redone if stale) by e2e/global-setup.ts.
      await run('playwright (loopback-only netns)', [bin('@playwright/test', 'cli.js'), 'test'], 45 * MIN, {
        wrap: NETNS,
      })
    } catch (err) {
      failure = err
    }
    const report = parsePlaywrightJson(E2E_JSON)
    if (report) {
      counts.passed += report.passed
      counts.failed += report.failed
      counts.skipped += report.skipped
      console.log(`e2e: ${report.passed} passed, ${report.failed} failed, ${report.skipped} skipped${report.flaky ? ` (${report.flaky} flaky)` : ''}`)
      for (const e of report.errors) console.log(`e2e error: ${e}`)
    }
    if (failure) throw failure
    if (!report) throw new Error(`playwright wrote no report to ${path.relative(root, E2E_JSON)}`)
    if (report.failed > 0 || report.errors.length > 0) throw new Error('e2e tests failed')
  },
}

// ------------------------------------------------------------ helpers

function findTests(dir) {
  if (!existsSync(dir)) return []
  const out = []
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name)
    if (statSync(p).isDirectory()) out.push(...findTests(p))
    else if (name.endsWith('.test.ts')) out.push(p)
  }
  return out
}

/** The last `# pass N` … lines of a TAP file (the run's totals), or null. */
function parseTap(file) {
  if (!existsSync(file)) return null
  const text = readFileSync(file, 'utf8')
  const last = (key) => {
    const all = [...text.matchAll(new RegExp(`^# ${key} (\\d+)\\s*$`, 'gm'))]
    return all.length ? Number(all[all.length - 1][1]) : null
  }
  const pass = last('pass')
  const fail = last('fail')
  if (pass === null || fail === null) return null
  return { pass, fail, cancelled: last('cancelled') ?? 0, skipped: last('skipped') ?? 0, todo: last('todo') ?? 0 }
}

/** Test counts from Playwright's JSON reporter, or null if it is missing/unreadable. */
function parsePlaywrightJson(file) {
  if (!existsSync(file)) return null
  let json
  try {
    json = JSON.parse(readFileSync(file, 'utf8'))
  } catch {
    return null
  }
  const s = json.stats ?? {}
  const n = (x) => (Number.isFinite(x) ? x : 0)
  return {
    passed: n(s.expected) + n(s.flaky),
    failed: n(s.unexpected),
    skipped: n(s.skipped),
    flaky: n(s.flaky),
    errors: (json.errors ?? []).map((e) => (e.message ?? String(e)).split('\n')[0]),
  }
}

/** Run `node ARGS` (optionally wrapped), inheriting stdio; rejects on failure or time-out. */
function run(label, nodeArgs, limitMs, { wrap = [] } = {}) {
  const [cmd, ...args] = [...wrap, process.execPath, ...nodeArgs]
  console.log(`\n--- ${label}`)
  return new Promise((resolve, reject) => {
    // Own process group, so a time-out or Ctrl-C ends the whole tree.
    const child = spawn(cmd, args, { cwd: root, stdio: 'inherit', detached: true })
    current = child
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      console.error(`\n${label}: still running after ${limitMs / MIN} min, stopping it`)
      killGroup(child, 'SIGTERM')
      setTimeout(() => killGroup(child, 'SIGKILL'), 15_000).unref()
    }, limitMs)
    child.on('error', (err) => {
      clearTimeout(timer)
      current = null
      reject(new Error(`${label}: ${err.message}`))
    })
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      current = null
      if (code === 0 && !timedOut) resolve()
      else reject(new Error(`${label} ${timedOut ? 'timed out' : `failed (${signal ?? `exit ${code}`})`}`))
    })
  })
}

function killGroup(child, sig) {
  try {
    process.kill(-child.pid, sig)
  } catch {
    // already gone
  }
}

for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    if (current) killGroup(current, sig)
    summary()
    process.exit(130)
  })
}

function summary() {
  const skipped = counts.skipped ? `, ${counts.skipped} skipped` : ''
  console.log(`tests: ${counts.passed} passed, ${counts.failed} failed${skipped}`)
}

// ------------------------------------------------------------ main

const order = Object.keys(STAGES)
const wanted = process.argv.slice(2)
for (const w of wanted) {
  if (!order.includes(w)) {
    console.error(`unknown stage "${w}"; stages: ${order.join(', ')}`)
    process.exit(2)
  }
}
const stages = wanted.length ? order.filter((s) => wanted.includes(s)) : order

let exitCode = 0
for (const stage of stages) {
  const started = Date.now()
  console.log(`\n==> ${stage}`)
  try {
    await STAGES[stage]()
    console.log(`==> ${stage}: ok (${((Date.now() - started) / 1000).toFixed(1)} s)`)
  } catch (err) {
    console.log(`==> ${stage}: FAILED (${((Date.now() - started) / 1000).toFixed(1)} s): ${err.message}`)
    const skippedStages = stages.slice(stages.indexOf(stage) + 1)
    if (skippedStages.length) console.log(`==> not run: ${skippedStages.join(', ')}`)
    exitCode = 1
    break
  }
}
summary()
process.exit(exitCode)
