/**
 * Revocation is immediate: once a token or its user is revoked, a session holding it handles no
 * further frame, leaves its rooms, and loses its socket even when the client never acknowledges
 * the close (a raw TCP client here, which ignores close frames and keeps sending).
 */
import { i, id } from '@instantdb/core'
import { describe, expect, it } from 'vitest'
import type { LocalInstant } from 'instant-express-auth/local'
import { localInstants, post } from './helpers.js'
import {
  nextResult,
  OWNER_ONLY,
  rawSession,
  sdkClient,
  signInAndWait,
  waitFor,
  type RawSession,
} from './session-helpers.js'

const schema = i.schema({
  entities: {
    $users: i.entity({ email: i.string().unique().indexed() }),
    todos: i.entity({ title: i.string(), ownerId: i.string().indexed() }),
  },
  links: {},
  rooms: {},
})

const instants = localInstants()

/** The tx-steps of a new todo, by the attr ids `init-ok` listed. */
function todoSteps(attrs: any[], ownerId: string, title: string): unknown[] {
  const attr = (label: string) =>
    attrs.find((a) => a['forward-identity'][1] === 'todos' && a['forward-identity'][2] === label)
      .id as string
  const e = id()
  return [
    ['add-triple', e, attr('id'), e],
    ['add-triple', e, attr('title'), title],
    ['add-triple', e, attr('ownerId'), ownerId],
  ]
}

/** A raw session signed in with `token`, after one committed todo and a joined room. */
async function hostileSession(local: LocalInstant, token: string, userId: string) {
  const raw = await rawSession(local)
  raw.send({ op: 'init', 'app-id': local.appId, 'refresh-token': token })
  const { attrs } = await raw.next((m) => m.op === 'init-ok')
  raw.send({ op: 'transact', 'tx-steps': todoSteps(attrs, userId, 'before') })
  await raw.next((m) => m.op === 'transact-ok')
  raw.send({ op: 'join-room', 'room-id': 'lobby', data: { who: 'hostile' } })
  await raw.next((m) => m.op === 'join-room-ok')
  return { raw, attrs }
}

/** Members of the room the last `refresh-presence` reported to `peer`. */
function membersSeenBy(peer: RawSession): number | undefined {
  const last = peer.messages.filter((m) => m.op === 'refresh-presence').at(-1)
  return last === undefined ? undefined : Object.keys(last.data).length
}

const adminHeaders = (local: LocalInstant) => ({
  authorization: `Bearer ${local.adminToken}`,
  'app-id': local.appId,
})

const revocations: [
  string,
  (local: LocalInstant, email: string, token: string) => Promise<void>,
][] = [
  [
    'admin sign_out by email (the kit’s signOut of every session)',
    async (local, email) => {
      const res = await post(local, '/admin/sign_out', { email }, adminHeaders(local))
      expect(res.status).toBe(200)
    },
  ],
  [
    'admin sign_out by refresh token (the kit’s signOutRouter)',
    async (local, _email, token) => {
      const res = await post(
        local,
        '/admin/sign_out',
        { refresh_token: token },
        adminHeaders(local),
      )
      expect(res.status).toBe(200)
    },
  ],
  [
    'runtime sign-out',
    async (local, _email, token) => {
      const res = await post(local, '/runtime/signout', {
        app_id: local.appId,
        refresh_token: token,
      })
      expect(res.status).toBe(200)
    },
  ],
  [
    'deleteUser',
    async (local, email) => {
      const res = await fetch(
        `${local.apiURI}/admin/users?app_id=${local.appId}&email=${encodeURIComponent(email)}`,
        { method: 'DELETE', headers: adminHeaders(local) },
      )
      expect(res.status).toBe(200)
    },
  ],
]

describe('revocation of a realtime session', () => {
  it.each(revocations)(
    '%s: no frame is handled after it, presence goes at once, the unacknowledged socket is cut',
    async (_name, revoke) => {
      const { local, db } = await instants.start({
        schema,
        rules: { todos: { allow: OWNER_ONLY } },
      })
      const email = `hostile-${id()}@example.com`
      const token = await db.auth.createToken(email)
      const user = (await db.auth.getUser({ email }))!
      const { raw, attrs } = await hostileSession(local, token, user.id)
      const peer = await rawSession(local)
      peer.send({ op: 'init', 'app-id': local.appId })
      await peer.next((m) => m.op === 'init-ok')
      peer.send({ op: 'join-room', 'room-id': 'lobby', data: { who: 'peer' } })
      await waitFor(() => (membersSeenBy(peer) === 2 ? true : undefined))

      await revoke(local, email, token)
      // The client ignores the close frame and goes on writing as the revoked user.
      for (let n = 0; n < 10; n++) {
        raw.send({ op: 'transact', 'tx-steps': todoSteps(attrs, user.id, `after ${n}`) })
      }
      raw.send({ op: 'set-presence', 'room-id': 'lobby', data: { who: 'still here' } })
      // The peer sees the revoked session leave, without waiting for its socket to go.
      await waitFor(() => (membersSeenBy(peer) === 1 ? true : undefined))
      await raw.gone
      expect(raw.closeFrames).toEqual([{ code: 1001, reason: 'session ended' }])

      const answered = raw.messages.filter(
        (m) => m.op === 'transact-ok' || m.op === 'error' || m.op === 'set-presence-ok',
      )
      expect(answered.map((m) => m.op)).toEqual(['transact-ok'])
      const { todos } = (await db.query({ todos: {} })) as any
      // deleteUser cascades nothing to todos (no link): the row written before stays.
      expect(todos.map((t: any) => t.title)).toEqual(['before'])
      const last = peer.messages.filter((m) => m.op === 'refresh-presence').at(-1)
      expect(Object.values(last.data).map((p: any) => p.data)).toEqual([{ who: 'peer' }])
      peer.destroy()
    },
  )

  it('deleting the user signs the real SDK out', async () => {
    const { local, db } = await instants.start({ schema, rules: { todos: { allow: OWNER_ONLY } } })
    const token = await db.auth.createToken('sdk-gone@example.com')
    const c = sdkClient(local)
    try {
      await signInAndWait(c, token)
      const signedOut = nextResult(
        (cb) => c.subscribeAuth(cb),
        (auth: any) => auth.user === null,
      )
      await db.auth.deleteUser({ email: 'sdk-gone@example.com' })
      expect(await signedOut).toMatchObject({ user: null })
    } finally {
      c.shutdown()
    }
  })
})
