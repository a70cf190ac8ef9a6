/**
 * The SDK on Node's built-in WebSocket (undici) instead of `ws`, where the running Node has a
 * usable one. Node 22's (undici 6) never fires `close` after close() on a socket that is still
 * connecting: it fires `error` twice and stays CLOSING (the spec, `ws` and Node 24's undici 7
 * fire `error`, then `close`). The SDK closes its socket on every sign-in and reconnects only on
 * `close`, so a client that signs in before its first socket has opened stays offline: its
 * writes are never sent and the other clients never see them. Nothing in Local Instant's server
 * can make the client fire that event; on Node 22 use `ws` (as session-helpers.ts does).
 */
import { i, id } from '@instantdb/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { localInstants } from './helpers.js'
import {
  BUILT_IN_WEBSOCKET,
  nextResult,
  OWNER_ONLY,
  sdkClient,
  signInAndWait,
} from './session-helpers.js'

const UNDICI_MAJOR = Number(process.versions['undici']?.split('.')[0] ?? 0)
const skipReason =
  BUILT_IN_WEBSOCKET === undefined
    ? `Node ${process.version} has no built-in WebSocket`
    : UNDICI_MAJOR < 7
      ? `Node ${process.version}'s WebSocket (undici ${process.versions['undici']}) fires no close event after close() while connecting`
      : undefined

const schema = i.schema({
  entities: {
    $users: i.entity({ email: i.string().unique().indexed() }),
    todos: i.entity({ title: i.string(), ownerId: i.string() }),
  },
  links: {},
  rooms: {},
})

const instants = localInstants()
let ws: unknown
beforeAll(() => {
  ws = globalThis.WebSocket
  ;(globalThis as { WebSocket?: unknown }).WebSocket = BUILT_IN_WEBSOCKET
})
afterAll(() => {
  ;(globalThis as { WebSocket?: unknown }).WebSocket = ws
})

describe.skipIf(skipReason !== undefined)(
  `the SDK on Node's built-in WebSocket${skipReason === undefined ? '' : ` (skipped: ${skipReason})`}`,
  () => {
    it('another client’s write and an admin write reach a subscribed query', async () => {
      const { local, db } = await instants.start({
        schema,
        rules: { todos: { allow: OWNER_ONLY } },
      })
      const admin: any = db
      // As in session-sdk: a client signs in as soon as it starts, so the sign-in closes a
      // socket still connecting (the case Node 22's WebSocket gets wrong).
      const signedIn = async () => {
        const token = await admin.auth.createToken({ email: 'built-in@example.com' })
        const c = sdkClient(local)
        return { c, user: await signInAndWait(c, token) }
      }
      const { c: a, user: userA } = await signedIn()
      const { c: b, user: userB } = await signedIn()
      expect(userB.id).toBe(userA.id)
      const titles = (r: any) => (r.data?.todos ?? []).map((t: any) => t.title).sort()
      const subscribe = (cb: (r: any) => void) => a.subscribeQuery({ todos: {} }, cb)
      await nextResult(subscribe, (r) => r.data !== undefined)

      const fromB = nextResult(subscribe, (r) => titles(r).includes('from b'))
      await b.transact(b.tx.todos[id()].update({ title: 'from b', ownerId: userB.id }))
      expect(titles(await fromB)).toEqual(['from b'])

      const fromAdmin = nextResult(subscribe, (r) => titles(r).includes('from admin'))
      await admin.transact(admin.tx.todos[id()].update({ title: 'from admin', ownerId: userA.id }))
      expect(titles(await fromAdmin)).toEqual(['from admin', 'from b'])
      a.shutdown()
      b.shutdown()
    })
  },
)
