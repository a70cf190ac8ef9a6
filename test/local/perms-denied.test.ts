/**
 * A permission refusal names what refused it: Instant's `permission-denied` body (message and
 * `hint.input`/`hint.expected` unchanged) with `etype`, `action`, the rule's text and its path in
 * the rules, on the HTTP routes, in session error frames, and as the kit's development reason.
 */
import { randomUUID } from 'node:crypto'
import request from 'supertest'
import { describe, expect, it } from 'vitest'
import { createTestHub } from './hub-helpers.js'
import { id, init } from '../../src/admin/index.js'
import { instantErrorHandler, requireInstantUser } from '../../src/index.js'
import type { InstantAuthDb } from '../../src/instant/instant-db.js'
import { createApp, json, recordingLogger, userToken } from '../helpers.js'
import { localInstants, rejectionOf } from './helpers.js'

const { start } = localInstants()

const CREATE_RULE = 'auth.id != null && auth.id == newData.ownerId'
const RULES = {
  todos: { allow: { view: 'true', create: CREATE_RULE } },
  $default: { allow: { delete: 'false' } },
}

function denied(etype: string, action: string, rule: string, rulePath: string[]) {
  return {
    type: 'permission-denied',
    message: 'Permission denied: not perms-pass?',
    hint: {
      input: [etype, 'object'],
      expected: 'perms-pass?',
      etype,
      action,
      rule,
      'rule-path': rulePath,
    },
  }
}

describe('permission-denied names the rule', () => {
  it('over HTTP: the namespace, the action, the rule text and where it sits', async () => {
    const { db } = await start({ rules: RULES })
    const asGuest = db.asUser({ guest: true })
    const created = await rejectionOf(
      asGuest.transact(asGuest.tx.todos![id()]!.update({ title: 'x', ownerId: 'someone' })),
    )
    expect(created.status).toBe(400)
    expect(created.body).toEqual(
      denied('todos', 'create', CREATE_RULE, ['todos', 'allow', 'create']),
    )

    const todo = id()
    await db.transact(db.tx.todos![todo]!.update({ title: 'kept' }))
    const deleted = await rejectionOf(asGuest.transact(asGuest.tx.todos![todo]!.delete()))
    // The rule came from `$default`: its path says so, `etype` is the namespace checked.
    expect(deleted.body).toEqual(
      denied('todos', 'delete', 'false', ['$default', 'allow', 'delete']),
    )
    expect((await db.query({ todos: {} })).todos).toHaveLength(1)
  })

  it('in a session error frame', () => {
    const { appId, db: store, hub } = createTestHub({ rules: RULES })
    try {
      const sent: any[] = []
      const socket = hub.connect({ send: (text) => sent.push(JSON.parse(text)), close: () => {} })
      const send = (msg: Record<string, unknown>) =>
        socket.message(JSON.stringify({ 'client-event-id': randomUUID(), ...msg }))
      send({ op: 'init', 'app-id': appId })
      const attr = (idAttr: string, label: string, unique: boolean) => [
        'add-attr',
        {
          id: idAttr,
          'forward-identity': [randomUUID(), 'todos', label],
          'value-type': 'blob',
          cardinality: 'one',
          'unique?': unique,
          'index?': unique,
        },
      ]
      const todo = randomUUID()
      send({
        op: 'transact',
        'tx-steps': [
          attr('a-id', 'id', true),
          attr('a-title', 'title', false),
          ['add-triple', todo, 'a-id', todo],
          ['add-triple', todo, 'a-title', 'from a guest'],
        ],
      })
      const frame = sent.at(-1)
      expect(frame).toMatchObject({
        op: 'error',
        status: 400,
        ...denied('todos', 'create', CREATE_RULE, ['todos', 'allow', 'create']),
      })
    } finally {
      hub.close()
      store.close()
    }
  })

  it("reaches the kit's instantErrorHandler as the reason in development", async () => {
    const { local } = await start({ rules: RULES })
    const token = await userToken(local, 'alice@example.com')
    const db = init({ appId: local.appId, adminToken: local.adminToken, apiURI: local.apiURI })
    try {
      const logger = recordingLogger()
      const app = createApp('express5')
      app.route(
        'POST',
        '/todos',
        requireInstantUser({ db: db as unknown as InstantAuthDb, logger }),
        (req: any, res: any, next: (e: unknown) => void) => {
          req.instant.db
            .transact([req.instant.db.tx.todos[id()].update({ title: 'x', ownerId: 'other' })])
            .then((body: unknown) => json(res, 200, body), next)
        },
      )
      app.useErrorHandler(instantErrorHandler({ logger, reasons: true }))
      const res = await request(app.handler).post('/todos').set('token', token)
      expect(res.status).toBe(403)
      expect(res.body.code).toBe('permission_denied')
      expect(res.body.detail).toBe(
        `A permission rule refused this read or write. Instant said: Permission denied: not perms-pass? (todos.create); rule: ${CREATE_RULE}`,
      )
      expect(logger.lines.filter((l) => l.startsWith('warn:'))).toEqual([
        `warn: instant-express-auth: POST /todos: permission_denied: Permission denied: not perms-pass? (todos.create); rule: ${CREATE_RULE}`,
      ])
      expect(logger.lines.join('\n')).not.toContain(token)
    } finally {
      await db.close()
    }
  })
})
