/**
 * Starts Debian's `redis-server` for a test: a free port on 127.0.0.1, a temp dir, no
 * persistence, no system service. `stop()` and `start()` again on the same port let a test kill
 * Redis mid-traffic and bring it back.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const REDIS_SERVER = process.env['REDIS_SERVER'] ?? '/usr/bin/redis-server'

/** How long redis-server may take to print that it is ready, in ms. */
const READY_TIMEOUT_MS = 10_000

export interface RedisServer {
  readonly port: number
  readonly url: string
  /** Starts it again (same port, empty data) after `stop()`. */
  start(): Promise<void>
  /** SIGKILL (as a crash would) and wait for the exit. */
  stop(): Promise<void>
  /** SIGSTOP / SIGCONT: Redis stops answering but keeps its connections (a "slow" Redis). */
  pause(): void
  resume(): void
  close(): Promise<void>
}

/** A port nobody listens on right now (the kernel's choice for port 0). */
async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

function launch(port: number, dir: string): Promise<ChildProcess> {
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
  return new Promise((resolve, reject) => {
    let output = ''
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`redis-server not ready after ${READY_TIMEOUT_MS} ms:\n${output}`))
    }, READY_TIMEOUT_MS)
    const onData = (chunk: Buffer): void => {
      output += chunk.toString()
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer)
        child.stdout?.off('data', onData)
        child.stdout?.resume()
        resolve(child)
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
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

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => child.once('exit', () => resolve()))
}

export async function startRedisServer(): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'iea-redis-'))
  let port = await freePort()
  let child: ChildProcess | undefined
  // Another process may take the port between freePort() and redis-server's bind: retry a few.
  for (let attempt = 0; child === undefined; attempt += 1) {
    try {
      child = await launch(port, dir)
    } catch (error) {
      if (attempt >= 3) throw error
      port = await freePort()
    }
  }
  let current: ChildProcess | undefined = child
  const server: RedisServer = {
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
