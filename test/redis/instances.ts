/**
 * The multi-instance harness: N app processes (test/redis/instance.ts) against one Local Instant
 * behind a counting proxy and one Redis. The proxy counts the token verifications that reach
 * Local Instant.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer, type Server } from 'node:http'
import { fileURLToPath } from 'node:url'
import { startLocalInstant, type LocalInstant } from '../../src/local/index.js'

const HERE = fileURLToPath(new URL('.', import.meta.url))
/** How long an instance may take to compile its sources and listen, in ms. */
const INSTANCE_READY_TIMEOUT_MS = 60_000
const VERIFY_PATH = '/runtime/auth/verify_refresh_token'
const HOP_HEADERS = new Set(['host', 'connection', 'content-length', 'transfer-encoding'])

export interface Upstream {
  readonly local: LocalInstant
  /** The proxy's base URL: what the instances use as `apiURI`. */
  readonly apiURI: string
  /** Token verifications that reached Local Instant. */
  verifications(): number
  close(): Promise<void>
}

/** Local Instant behind a proxy that counts verifications (and forwards everything). */
export async function startUpstream(): Promise<Upstream> {
  const local = await startLocalInstant({ logger: false })
  const target = new URL(local.apiURI)
  let verifications = 0
  const proxy: Server = createServer(async (req, res) => {
    if (req.url?.startsWith(VERIFY_PATH)) verifications += 1
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const headers = new Headers()
    for (const [name, value] of Object.entries(req.headers)) {
      // fetch computes its own framing headers.
      if (typeof value === 'string' && !HOP_HEADERS.has(name)) headers.set(name, value)
    }
    try {
      const answer = await fetch(new URL(req.url ?? '/', target), {
        method: req.method ?? 'GET',
        headers,
        ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
      })
      const body = Buffer.from(await answer.arrayBuffer())
      res.writeHead(answer.status, {
        'content-type': answer.headers.get('content-type') ?? 'application/json',
      })
      res.end(body)
    } catch {
      res.writeHead(502).end()
    }
  })
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
  const address = proxy.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  return {
    local,
    apiURI: `http://127.0.0.1:${address.port}`,
    verifications: () => verifications,
    async close() {
      proxy.closeAllConnections()
      await new Promise<void>((resolve) => proxy.close(() => resolve()))
      await local.close()
    },
  }
}

export interface Instance {
  readonly url: string
  readonly stderr: () => string
  /** The latest magic code this instance sent to `email`. */
  codeFor(email: string): string | undefined
  alive(): boolean
  close(): Promise<void>
}

export interface InstanceOptions {
  upstream: Upstream
  redisUrl: string
  client: 'node-redis' | 'ioredis'
  store?: 'redis' | 'memory'
}

export async function startInstance(options: InstanceOptions): Promise<Instance> {
  const { upstream, redisUrl, client, store = 'redis' } = options
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', `${HERE}register-ts.mjs`, `${HERE}instance.ts`],
    {
      env: {
        ...process.env,
        API_URI: upstream.apiURI,
        APP_ID: upstream.local.appId,
        ADMIN_TOKEN: upstream.local.adminToken,
        REDIS_URL: redisUrl,
        CLIENT: client,
        STORE: store,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let stderr = ''
  const codes = new Map<string, string>()
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const port = await new Promise<number>((resolve, reject) => {
    let buffered = ''
    const timer = setTimeout(
      () => reject(new Error(`instance not ready in time:\n${stderr}`)),
      INSTANCE_READY_TIMEOUT_MS,
    )
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString()
      let newline: number
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = JSON.parse(buffered.slice(0, newline)) as {
          port?: number
          email?: string
          code?: string
        }
        buffered = buffered.slice(newline + 1)
        if (line.port !== undefined) {
          clearTimeout(timer)
          resolve(line.port)
        } else if (line.email !== undefined && line.code !== undefined) {
          codes.set(line.email, line.code)
        }
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`instance exited with ${code}:\n${stderr}`))
    })
  })
  return {
    url: `http://127.0.0.1:${port}`,
    stderr: () => stderr,
    codeFor: (email) => codes.get(email),
    alive: () => child.exitCode === null && child.signalCode === null,
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await exited
    },
  }
}

/** A JSON request to an instance: status, `code` of a problem body, and the body. */
export async function call(
  instance: Instance,
  method: 'GET' | 'POST',
  path: string,
  options: { token?: string; body?: unknown } = {},
): Promise<{ status: number; code: string | undefined; body: any }> {
  const headers: Record<string, string> = {}
  if (options.token !== undefined) headers['token'] = options.token
  if (options.body !== undefined) headers['content-type'] = 'application/json'
  const response = await fetch(`${instance.url}${path}`, {
    method,
    headers,
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  })
  const text = await response.text()
  const body = text === '' ? undefined : JSON.parse(text)
  return { status: response.status, code: body?.code, body }
}
