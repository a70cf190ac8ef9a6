/** assertSucceeds / assertFails from a consumer's point of view, on real answers. */
import { init as initOfficial } from '@instantdb/admin'
import { id, init } from 'instant-express-auth/admin'
import {
  assertFails,
  assertSucceeds,
  initializeTestEnvironment,
  InstantTestAssertionError,
  type InstantTestEnvironment,
} from 'instant-express-auth/testing'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

let env: InstantTestEnvironment
/** A loopback address nothing listens on: a server's port, after it closed. */
let closedURI: string
beforeAll(async () => {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  closedURI = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  await new Promise((resolve) => server.close(resolve))
  env = await initializeTestEnvironment({
    rules: {
      todos: { allow: { create: 'auth.id != null', delete: 'false', update: '1 / 0 == 1' } },
    },
  })
})
afterAll(() => env.cleanup())

async function thrown(promise: Promise<unknown>): Promise<any> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected a rejection')
}

describe('assertSucceeds', () => {
  it('resolves to the value', async () => {
    const result = await assertSucceeds(
      env.db.transact(env.db.tx['todos']![id()]!.update({ t: 1 })),
    )
    expect(typeof result['tx-id']).toBe('number')
    expect(await assertSucceeds(Promise.resolve(7))).toBe(7)
  })

  it('throws an AssertionError naming the rule that refused, with the cause', async () => {
    const nobody = env.unauthenticatedContext()
    const operation = nobody.db.transact(nobody.db.tx['todos']![id()]!.update({ t: 1 }))
    const error = await thrown(assertSucceeds(operation))
    expect(error).toBeInstanceOf(InstantTestAssertionError)
    expect(error.name).toBe('AssertionError')
    expect(error.code).toBe('INSTANT_TEST_ASSERTION_FAILED')
    expect(error.message).toBe(
      'Expected the operation to succeed, but a permission rule refused it (todos create: rule "auth.id != null" at todos.allow.create)',
    )
    expect(error.cause.body.type).toBe('permission-denied')
  })

  it('names a validation error', async () => {
    const error = await thrown(
      assertSucceeds(env.db.query({ todos: { $: { where: { x: { $nope: 1 } } } } })),
    )
    expect(error.message).toMatch(
      /^Expected the operation to succeed, but it failed for another reason: validation \(validation-failed: /,
    )
  })
})

describe('assertFails', () => {
  it('resolves to the permission error, with namespace, action and rule', async () => {
    const alice = await env.authenticatedContext({ email: 'alice@example.com' })
    const todo = id()
    await env.db.transact(env.db.tx['todos']![todo]!.update({ t: 1 }))
    const denied = await assertFails(alice.db.transact(alice.db.tx['todos']![todo]!.delete()))
    expect(denied.status).toBe(400)
    expect(denied.message).toBe('Permission denied: not perms-pass?')
    expect(denied.body).toMatchObject({ type: 'permission-denied' })
    expect([denied.namespace, denied.action, denied.rule]).toEqual(['todos', 'delete', 'false'])
    expect(denied.rulePath).toEqual(['todos', 'allow', 'delete'])
  })

  it('throws when the operation succeeded', async () => {
    const error = await thrown(
      assertFails(env.db.transact(env.db.tx['todos']![id()]!.update({ t: 1 }))),
    )
    expect(error).toBeInstanceOf(InstantTestAssertionError)
    expect(error.message).toMatch(
      /^Expected a permission rule to refuse the operation, but it succeeded \(tx-id \d+\)$/,
    )
  })

  it('throws on a validation error, naming it', async () => {
    const error = await thrown(
      assertFails(env.db.query({ todos: { $: { where: { x: { $nope: 1 } } } } })),
    )
    expect(error.message).toMatch(
      /^Expected a permission rule to refuse the operation, but it failed for another reason: validation \(validation-failed: /,
    )
    expect(error.cause.status).toBe(400)
  })

  it('throws on a rule that threw while it ran, naming it', async () => {
    const alice = await env.authenticatedContext({ email: 'alice@example.com' })
    const todo = id()
    await env.db.transact(env.db.tx['todos']![todo]!.update({ t: 1 }))
    const error = await thrown(
      assertFails(alice.db.transact(alice.db.tx['todos']![todo]!.update({ t: 2 }))),
    )
    expect(error.message).toMatch(
      /^Expected a permission rule to refuse the operation, but it failed for another reason: a permission rule threw while it ran \(permission-evaluation-failed/,
    )
  })

  it('throws on a network error, naming it', async () => {
    const gone = init({
      appId: env.appId,
      adminToken: env.adminToken,
      apiURI: closedURI,
    })
    try {
      const error = await thrown(assertFails(gone.query({ todos: {} })))
      expect(error.message).toMatch(
        /^Expected a permission rule to refuse the operation, but it failed for another reason: network \(INSTANT_UNREACHABLE: /,
      )
    } finally {
      await gone.close()
    }
  })

  it('reads the official @instantdb/admin SDK’s errors too', async () => {
    const official = initOfficial({
      appId: env.appId,
      adminToken: env.adminToken,
      apiURI: env.apiURI,
    })
    const denied = await assertFails(
      official.asUser({ guest: true }).transact(official.tx['todos']![id()]!.update({ t: 1 })),
    )
    expect([denied.namespace, denied.action, denied.rule]).toEqual([
      'todos',
      'create',
      'auth.id != null',
    ])
    const gone = initOfficial({
      appId: env.appId,
      adminToken: env.adminToken,
      apiURI: closedURI,
    })
    const error = await thrown(assertFails(gone.query({ todos: {} })))
    expect(error.message).toMatch(
      /but it failed for another reason: network \(fetch failed: ECONNREFUSED\)$/,
    )
  })
})
