import { randomUUID } from 'node:crypto'
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
