// @ts-check
// Starts Debian's `redis-server` for a test or a bench: a free port on 127.0.0.1, a temp dir, no
// persistence, no system service. `stop()` and `start()` again on the same port let a test kill
// Redis mid-traffic and bring it back. Plain JS so multi-instance.js runs it as is; the tests in
// test/redis import it too (types in redis-server.d.ts).
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const REDIS_SERVER = process.env['REDIS_SERVER'] ?? '/usr/bin/redis-server'

/** How long redis-server may take to print that it is ready, in ms. */
const READY_TIMEOUT_MS = 10_000

/**
 * Every redis-server still running, killed if the process exits without closing it.
 * @type {Set<import('node:child_process').ChildProcess>}
 */
const live = new Set()
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL')
})

/**
 * A port nobody listens on right now (the kernel's choice for port 0).
 * @returns {Promise<number>}
 */
async function freePort() {
  const server = createServer()
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)))
  const address = server.address()
  await new Promise((resolve) => server.close(() => resolve(undefined)))
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

/**
 * @param {number} port @param {string} dir
 * @returns {Promise<import('node:child_process').ChildProcess>}
 */
function launch(port, dir) {
  const child = spawn(
    REDIS_SERVER,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'no',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  live.add(child)
  child.once('exit', () => live.delete(child))
  return new Promise((resolve, reject) => {
    let output = ''
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`redis-server not ready after ${READY_TIMEOUT_MS} ms:\n${output}`))
    }, READY_TIMEOUT_MS)
    /** @param {Buffer} chunk */
    const onData = (chunk) => {
      output += chunk.toString()
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer)
        child.stdout?.off('data', onData)
        child.stdout?.resume()
        resolve(child)
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', (/** @type {Buffer} */ chunk) => (output += chunk.toString()))
    child.once('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`redis-server exited with ${code}:\n${output}`))
    })
  })
}

/**
 * @param {import('node:child_process').ChildProcess} child
 * @returns {Promise<void>}
 */
function exited(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => child.once('exit', () => resolve()))
}

/** @returns {Promise<import('./redis-server.js').RedisServer>} */
export async function startRedisServer() {
  const dir = mkdtempSync(join(tmpdir(), 'iea-redis-'))
  let port = await freePort()
  /** @type {import('node:child_process').ChildProcess | undefined} */
  let child
  // Another process may take the port between freePort() and redis-server's bind: retry a few.
  for (let attempt = 0; child === undefined; attempt += 1) {
    try {
      child = await launch(port, dir)
    } catch (error) {
      if (attempt >= 3) {
        rmSync(dir, { recursive: true, force: true })
        throw error
      }
      port = await freePort()
    }
  }
  /** @type {import('node:child_process').ChildProcess | undefined} */
  let current = child
  /** @type {import('./redis-server.js').RedisServer} */
  const server = {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start() {
      if (current !== undefined) return
      current = await launch(port, dir)
    },
    async stop() {
      const running = current
      current = undefined
      if (running === undefined) return
      running.kill('SIGCONT')
      running.kill('SIGKILL')
      await exited(running)
    },
    pause() {
      current?.kill('SIGSTOP')
    },
    resume() {
      current?.kill('SIGCONT')
    },
    async close() {
      await server.stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
  return server
}
