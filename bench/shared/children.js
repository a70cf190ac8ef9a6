// @ts-check
// The bench's child processes: each app under test, Local Instant and the load generator run in
// processes of their own, so that no one's CPU is charged to another. Scripts are named relative
// to bench/ (`throughput/app.js`). Every child still running is killed when the bench exits.
import { spawn } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { BENCH_DIR, RESULTS_DIR } from './knobs.js'

/**
 * @typedef {{ proc: import('node:child_process').ChildProcess, name: string, stderrTail: string[] }} Child
 * @typedef {{ args?: string[], env?: Record<string, string>, nodeArgs?: string[] }} ChildOptions
 */

/** @type {Set<Child>} */
const live = new Set()

/** @param {string} msg */
export function log(msg) {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`)
}

/**
 * Spawns `node <script> ...args`, keeping the last 30 lines of its stderr for error messages.
 * @param {string} name @param {string} script @param {ChildOptions} opts
 * @returns {Child}
 */
function spawnChild(name, script, opts) {
  const proc = spawn(
    process.execPath,
    [...(opts.nodeArgs ?? []), join(BENCH_DIR, script), ...(opts.args ?? [])],
    {
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  /** @type {Child} */
  const child = { proc, name, stderrTail: [] }
  live.add(child)
  proc.on('exit', () => live.delete(child))
  proc.stderr?.setEncoding('utf8').on('data', (chunk) => {
    child.stderrTail.push(...String(chunk).split('\n').filter(Boolean))
    if (child.stderrTail.length > 30) child.stderrTail.splice(0, child.stderrTail.length - 30)
  })
  return child
}

/**
 * Starts `node <script> ...args` and resolves with the first JSON line it prints on stdout.
 * @param {string} name
 * @param {string} script
 * @param {ChildOptions & { timeoutMs?: number }} [opts]
 * @returns {Promise<{ child: Child, info: any }>}
 */
export function startChild(name, script, opts = {}) {
  const child = spawnChild(name, script, opts)
  const { proc } = child
  const timeoutMs = opts.timeoutMs ?? 20_000
  return new Promise((resolve, reject) => {
    let buf = ''
    const timer = setTimeout(() => {
      fail(new Error(`${name} did not start within ${timeoutMs} ms`))
    }, timeoutMs)
    /** @param {Error} err */
    const fail = (err) => {
      clearTimeout(timer)
      proc.kill('SIGKILL')
      reject(new Error(`${err.message}\n  stderr: ${child.stderrTail.join('\n  ')}`))
    }
    const onData = (/** @type {string} */ chunk) => {
      buf += chunk
      const nl = buf.indexOf('\n')
      if (nl === -1) return
      proc.stdout?.off('data', onData)
      clearTimeout(timer)
      try {
        resolve({ child, info: JSON.parse(buf.slice(0, nl)) })
      } catch {
        fail(new Error(`${name} printed non-JSON: ${buf.slice(0, 200)}`))
      }
    }
    proc.stdout?.setEncoding('utf8').on('data', onData)
    proc.on('exit', (code, signal) => fail(new Error(`${name} exited early (${code ?? signal})`)))
  })
}

/**
 * Runs `node <script> ...args` to completion and parses the last JSON line of its stdout.
 * @param {string} name
 * @param {string} script
 * @param {ChildOptions & { timeoutMs: number }} opts
 * @returns {Promise<any>}
 */
export function runChild(name, script, opts) {
  const child = spawnChild(name, script, opts)
  const { proc } = child
  let out = ''
  proc.stdout?.setEncoding('utf8').on('data', (chunk) => (out += chunk))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => proc.kill('SIGKILL'), opts.timeoutMs)
    proc.on('exit', (code, signal) => {
      clearTimeout(timer)
      const last = out.trim().split('\n').pop() ?? ''
      if (code === 0 && last.startsWith('{')) {
        resolve(JSON.parse(last))
      } else {
        reject(
          new Error(
            `${name} failed (${code ?? signal})\n  stderr: ${child.stderrTail.join('\n  ')}`,
          ),
        )
      }
    })
  })
}

/** @param {Child} child */
export function stopChild(child) {
  if (child.proc.exitCode !== null || child.proc.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.proc.kill('SIGKILL'), 5000)
    child.proc.once('exit', () => {
      clearTimeout(timer)
      resolve(undefined)
    })
    child.proc.kill('SIGTERM')
  })
}

export function killAll() {
  for (const child of live) child.proc.kill('SIGKILL')
}
process.on('exit', killAll)

/**
 * Node flags that write a CPU profile named `label` into bench/results/profiles.
 * @param {string} label
 * @returns {string[]}
 */
export function profileArgs(label) {
  const profileDir = join(RESULTS_DIR, 'profiles')
  mkdirSync(profileDir, { recursive: true })
  return ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${label}.cpuprofile`]
}
