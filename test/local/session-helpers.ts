import { randomBytes, randomUUID } from 'node:crypto'
import { connect } from 'node:net'
import { init } from '@instantdb/core'
import WebSocket from 'ws'
import type { LocalInstant } from 'instant-express-auth/local'

/** Node's own WebSocket (Node 22 and later), before `ws` replaces it below; undefined on Node 20. */
export const BUILT_IN_WEBSOCKET = (globalThis as { WebSocket?: unknown }).WebSocket

// The SDK gets `ws`'s WebSocket on every Node version, as a Node app of its users would on
// Node 20 (no global one), so the suite runs the same client on 20, 22 and 24. Node 22's
// built-in one never fires `close` after close() on a socket still connecting, which the SDK
// waits for to reconnect after a sign-in (session-sdk-built-in-websocket.test.ts).
;(globalThis as { WebSocket?: unknown }).WebSocket = WebSocket
// The SDK only starts its socket where `window` exists ("isClient"); it reads nothing else of it here.
;(globalThis as { window?: unknown }).window ??= globalThis

/** Rules for a namespace whose entities only their owner (`ownerId`) reads and writes. */
export const OWNER_ONLY = {
  view: 'auth.id != null && auth.id == data.ownerId',
  create: 'auth.id != null && auth.id == newData.ownerId',
  update: 'auth.id != null && auth.id == data.ownerId && auth.id == newData.ownerId',
  delete: 'auth.id != null && auth.id == data.ownerId',
}

/** The SDK's storage interface, in memory (IndexedDB does not exist in Node). */
class MemoryStorage {
  private readonly store = new Map<string, unknown>()
  constructor(_appId: string, _dbName: string) {}
  async getItem(k: string): Promise<unknown> {
    return this.store.get(k) ?? null
  }
  async setItem(k: string, v: unknown): Promise<void> {
    this.store.set(k, v)
  }
  async getAllKeys(): Promise<string[]> {
    return [...this.store.keys()]
  }
  async multiSet(pairs: [string, unknown][]): Promise<void> {
    for (const [k, v] of pairs) this.store.set(k, v)
  }
  async removeItem(k: string): Promise<void> {
    this.store.delete(k)
  }
}

/** Always online: Node has no `online`/`offline` events. */
const AlwaysOnline = {
  getIsOnline: async () => true,
  listen: () => () => {},
}

/**
 * An unmodified `@instantdb/core` client against a Local Instant, closed by `shutdown()`. Untyped
 * (`any`): the tests write to namespaces the schema does not declare.
 */
export function sdkClient(local: LocalInstant, schema?: unknown): any {
  const config: Record<string, unknown> = {
    appId: local.appId,
    apiURI: local.apiURI,
    websocketURI: `${local.apiURI.replace(/^http/, 'ws')}/runtime/session`,
    verbose: process.env['SDK_VERBOSE'] === '1',
    // The SDK hands out one client per app and URI; tests want several.
    __extraDedupeKey: randomUUID(),
  }
  if (schema !== undefined) config['schema'] = schema
  return (init as (...args: unknown[]) => unknown)(config, MemoryStorage, AlwaysOnline)
}

/** Resolves with the first value `subscribe` reports that satisfies `ok` (bounded by vitest's timeout). */
export function nextResult<T>(
  subscribe: (cb: (value: T) => void) => () => void,
  ok: (value: T) => boolean,
): Promise<T> {
  return new Promise((resolve) => {
    let done = false
    const unsubscribe = subscribe((value) => {
      if (done || !ok(value)) return
      done = true
      queueMicrotask(() => unsubscribe())
      resolve(value)
    })
  })
}

/**
 * Signs `client` in with `token` and resolves once its session runs as that user: `$users` (whose
 * default rule shows a user itself) answers with the user. Bounded to 100 tries.
 */
export async function signInAndWait(
  client: any,
  token: string,
): Promise<{ id: string; email?: string | null }> {
  const { user } = await client.auth.signInWithToken(token)
  for (let attempt = 0; attempt < 100; attempt++) {
    const { data } = await client.queryOnce({ $users: { $: { where: { id: user.id } } } })
    if ((data as any).$users.length === 1) return user
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  throw new Error('the session never became the signed-in user')
}

/** Polls `check` every 10 ms until it returns a value other than undefined; at most 1,000 tries. */
export async function waitFor<T>(check: () => T | undefined): Promise<T> {
  for (let attempt = 0; attempt < 1_000; attempt++) {
    const value = check()
    if (value !== undefined) return value
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  throw new Error('waitFor: condition never held')
}

/** A session on a raw TCP socket: it speaks just enough websocket and never acknowledges a close. */
export interface RawSession {
  /** Every text frame received, parsed. */
  readonly messages: any[]
  /** The close frames received (the client never answers them). */
  readonly closeFrames: { code: number; reason: string }[]
  /** Sends `msg` as one masked text frame (a `client-event-id` is added when missing). */
  send(msg: Record<string, unknown>): void
  /** Resolves with the first message received (from now on or already) satisfying `ok`. */
  next(ok: (msg: any) => boolean): Promise<any>
  /** Stops reading the socket: the server's answers pile up in its buffers. */
  pause(): void
  /** Resolves when the TCP connection is gone (the server cut it). */
  readonly gone: Promise<void>
  destroy(): void
}

/** Opens a raw session on Local Instant's `/runtime/session`, resolved once upgraded. */
export async function rawSession(local: LocalInstant): Promise<RawSession> {
  const url = new URL(local.apiURI)
  const socket = connect(Number(url.port), url.hostname)
  const messages: any[] = []
  const closeFrames: { code: number; reason: string }[] = []
  const waiters: { ok: (msg: any) => boolean; resolve: (msg: any) => void }[] = []
  const gone = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  socket.on('error', () => {})
  let buf = Buffer.alloc(0)
  let upgraded = false
  const upgradedOnce = new Promise<void>((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk])
      if (!upgraded) {
        const end = buf.indexOf('\r\n\r\n')
        if (end === -1) return
        const head = buf.subarray(0, end).toString()
        buf = buf.subarray(end + 4)
        if (!head.startsWith('HTTP/1.1 101')) return reject(new Error(head.split('\r\n')[0]))
        upgraded = true
        resolve()
      }
      for (;;) {
        const frame = readFrame(buf)
        if (frame === undefined) return
        buf = buf.subarray(frame.size)
        if (frame.opcode === 1) {
          const msg = JSON.parse(frame.payload.toString())
          messages.push(msg)
          for (const w of waiters.splice(0)) {
            if (w.ok(msg)) w.resolve(msg)
            else waiters.push(w)
          }
        } else if (frame.opcode === 8) {
          closeFrames.push({
            code: frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : 1005,
            reason: frame.payload.subarray(2).toString(),
          })
        }
      }
    })
  })
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()))
  socket.write(
    `GET /runtime/session?app_id=${local.appId} HTTP/1.1\r\nHost: ${url.host}\r\n` +
      'Upgrade: websocket\r\nConnection: Upgrade\r\n' +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  )
  await upgradedOnce
  return {
    messages,
    closeFrames,
    gone,
    send(msg) {
      const payload = Buffer.from(JSON.stringify({ 'client-event-id': randomUUID(), ...msg }))
      socket.write(maskedTextFrame(payload))
    },
    next(ok) {
      const seen = messages.find(ok)
      if (seen !== undefined) return Promise.resolve(seen)
      return new Promise((resolve) => waiters.push({ ok, resolve }))
    },
    pause: () => socket.pause(),
    destroy: () => socket.destroy(),
  }
}

function readFrame(buf: Buffer): { opcode: number; payload: Buffer; size: number } | undefined {
  if (buf.length < 2) return undefined
  const opcode = (buf[0] as number) & 0x0f
  let len = (buf[1] as number) & 0x7f
  let at = 2
  if (len === 126) {
    if (buf.length < 4) return undefined
    len = buf.readUInt16BE(2)
    at = 4
  } else if (len === 127) {
    if (buf.length < 10) return undefined
    len = Number(buf.readBigUInt64BE(2))
    at = 10
  }
  if (buf.length < at + len) return undefined
  return { opcode, payload: buf.subarray(at, at + len), size: at + len }
}

function maskedTextFrame(payload: Buffer): Buffer {
  const mask = randomBytes(4)
  const len = payload.length
  const head =
    len < 126
      ? Buffer.from([0x81, 0x80 | len])
      : len < 65_536
        ? Buffer.from([0x81, 0x80 | 126, len >> 8, len & 0xff])
        : Buffer.concat([Buffer.from([0x81, 0x80 | 127]), u64(len)])
  const body = Buffer.alloc(len)
  for (let i = 0; i < len; i++) body[i] = (payload[i] as number) ^ (mask[i % 4] as number)
  return Buffer.concat([head, mask, body])
}

function u64(n: number): Buffer {
  const b = Buffer.alloc(8)
  b.writeBigUInt64BE(BigInt(n))
  return b
}
