/**
 * Wire equivalence with @instantdb/admin 1.0.67: both clients run every method against one
 * recording server with the same scripted answers; recorded requests and results must match.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { init as sdkInit, i, lookup as sdkLookup } from '@instantdb/admin'
import { init, lookup } from '../../src/admin/index.js'
import { startRecordingServer } from './helpers/recording-server.js'
import type {
  RecordedRequest,
  RecordingServer,
  ScriptedResponse,
} from './helpers/recording-server.js'

const APP_ID = '5f6a1c3e-9b2d-4e8f-a1b2-c3d4e5f6a7b8'
const ADMIN_TOKEN = '0c9e7d1a-2b3c-4d5e-8f90-a1b2c3d4e5f6'
const USER_TOKEN = '9d1e2f3a-4b5c-4d6e-9f70-8a9b0c1d2e3f'
const GOAL_ID = '8aa6b1c2-d3e4-4f56-a789-0b1c2d3e4f50'
const TODO_ID = '1b2c3d4e-5f60-4718-9a2b-3c4d5e6f7081'
const TODO_ID_2 = '2c3d4e5f-6071-4829-8b3c-4d5e6f708192'

/** Headers undici's fetch adds by itself; the SDK does not set them and we do not send them. */
const FETCH_ONLY_HEADERS = [
  'accept',
  'accept-language',
  'sec-fetch-mode',
  'user-agent',
  'accept-encoding',
]
/** Values may differ by design (see docs/readme-parts/admin.md); presence must not. */
const VERSION_HEADERS = ['instant-admin-version', 'instant-core-version']
/** Connection management, not part of the API contract. */
const HOP_HEADERS = ['connection', 'keep-alive']

function comparable(request: RecordedRequest) {
  const headers: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(request.headers)) {
    if (FETCH_ONLY_HEADERS.includes(name) || HOP_HEADERS.includes(name)) continue
    headers[name] = VERSION_HEADERS.includes(name) ? '<version>' : value
  }
  return { method: request.method, url: request.url, headers, body: request.body }
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: Record<string, unknown> }

function describeError(error: unknown): Record<string, unknown> {
  const e = error as Error & Record<string, unknown>
  return {
    name: e.name,
    message: e.message,
    status: e.status,
    body: e.body,
    hint: e.hint,
    traceId: e.traceId,
    hasOwnTraceId: Object.hasOwn(e, 'traceId'),
    toStringTag: Object.prototype.toString.call(e),
  }
}

type AnyDb = any
const schema = i.schema({
  entities: {
    goals: i.entity({ title: i.string() }),
    todos: i.entity({ title: i.string(), done: i.boolean().optional() }),
  },
  links: {
    goalTodos: {
      forward: { on: 'goals', has: 'many', label: 'todos' },
      reverse: { on: 'todos', has: 'one', label: 'goal' },
    },
  },
})

let server: RecordingServer
let ours: { plain: AnyDb; noToken: AnyDb; withSchema: AnyDb }
let sdk: { plain: AnyDb; noToken: AnyDb; withSchema: AnyDb }

beforeAll(async () => {
  server = await startRecordingServer()
  const base = { appId: APP_ID, apiURI: server.url }
  ours = {
    plain: init({ ...base, adminToken: ADMIN_TOKEN }),
    noToken: init(base),
    withSchema: init({ ...base, adminToken: ADMIN_TOKEN, schema }),
  }
  sdk = {
    plain: sdkInit({ ...base, adminToken: ADMIN_TOKEN }),
    noToken: sdkInit(base),
    withSchema: sdkInit({ ...base, adminToken: ADMIN_TOKEN, schema }),
  }
})

afterAll(async () => {
  await Promise.all([ours.plain.close(), ours.noToken.close(), ours.withSchema.close()])
  await server.close()
})

async function runOn(
  client: AnyDb,
  call: (db: AnyDb) => unknown,
  responses: ScriptedResponse[],
): Promise<{ requests: ReturnType<typeof comparable>[]; outcome: Outcome }> {
  server.reset(responses)
  let outcome: Outcome
  try {
    outcome = { ok: true, value: await call(client) }
  } catch (error) {
    outcome = { ok: false, error: describeError(error) }
  }
  return { requests: server.requests.map(comparable), outcome }
}

/** Runs `call` on both clients; returns ours after asserting it equals the SDK's. */
async function expectSame(
  variant: 'plain' | 'noToken' | 'withSchema',
  call: (db: AnyDb) => unknown,
  responses: ScriptedResponse[] = [],
) {
  const theirs = await runOn(sdk[variant], call, responses)
  const mine = await runOn(ours[variant], call, responses)
  expect(mine.requests).toEqual(theirs.requests)
  expect(mine.outcome).toEqual(theirs.outcome)
  return mine
}

const json = (status: number, body: unknown): ScriptedResponse => ({
  status,
  body: JSON.stringify(body),
})

const USER = {
  app_id: APP_ID,
  id: TODO_ID,
  email: 'alyssa@example.com',
  created_at: '2025-06-01T12:00:00Z',
  isGuest: false,
  refresh_token: USER_TOKEN,
}

describe('query', () => {
  it('sends the query as given and returns the body unchanged', async () => {
    const { requests, outcome } = await expectSame(
      'plain',
      (db) => db.query({ goals: { todos: {}, $: { where: { title: 'Get fit' } } } }),
      [json(200, { goals: [{ id: GOAL_ID, title: 'Get fit', todos: [] }] })],
    )
    expect(requests).toEqual([
      {
        method: 'POST',
        url: `/admin/query?app_id=${APP_ID}`,
        headers: {
          host: server.url.slice('http://'.length),
          'content-type': 'application/json',
          'app-id': APP_ID,
          authorization: `Bearer ${ADMIN_TOKEN}`,
          'instant-admin-version': '<version>',
          'instant-core-version': '<version>',
          'content-length': String(requests[0]!.body.length),
        },
        body: JSON.stringify({
          query: { goals: { todos: {}, $: { where: { title: 'Get fit' } } } },
          'inference?': false,
        }),
      },
    ])
    expect(outcome).toEqual({
      ok: true,
      value: { goals: [{ id: GOAL_ID, title: 'Get fit', todos: [] }] },
    })
  })

  it('puts ruleParams inside the query as $$ruleParams, first', async () => {
    const { requests } = await expectSame('plain', (db) =>
      db.query({ goals: {} }, { ruleParams: { knownGoalId: GOAL_ID } }),
    )
    expect(requests[0]!.body).toBe(
      `{"query":{"$$ruleParams":{"knownGoalId":"${GOAL_ID}"},"goals":{}},"inference?":false}`,
    )
  })

  it('sends inference?: true with a schema', async () => {
    const { requests } = await expectSame(
      'withSchema',
      (db) => db.query({ goals: { todos: {} } }),
      [json(200, { goals: [] })],
    )
    expect(JSON.parse(requests[0]!.body)['inference?']).toBe(true)
  })

  it.each([
    ['as-token', { token: USER_TOKEN }],
    ['as-email', { email: 'Alyssa@Example.com' }],
    ['as-guest', { guest: true }],
  ])('asUser adds %s to query and transact', async (header, as) => {
    const { requests } = await expectSame(
      'plain',
      async (db) => {
        const scoped = db.asUser(as)
        await scoped.query({ todos: {} })
        await scoped.transact(scoped.tx.todos[TODO_ID].update({ title: 'x' }))
        return scoped.auth.getUser({ id: TODO_ID })
      },
      [json(200, { todos: [] }), json(200, { 'tx-id': 7 }), json(200, { user: null })],
    )
    expect(requests.map((r) => r.headers[header])).toEqual([
      header === 'as-guest' ? 'true' : Object.values(as)[0],
      header === 'as-guest' ? 'true' : Object.values(as)[0],
      undefined,
    ])
  })

  it('asUser({ token }) works without an admin token and sends no authorization', async () => {
    const { requests } = await expectSame('noToken', (db) =>
      db.asUser({ token: USER_TOKEN }).query({ todos: {} }),
    )
    expect(requests[0]!.headers.authorization).toBeUndefined()
    expect(requests[0]!.headers['as-token']).toBe(USER_TOKEN)
  })

  it('asUser({ guest: true }) works without an admin token', async () => {
    await expectSame('noToken', (db) => db.asUser({ guest: true }).query({ todos: {} }))
  })

  it('rejects before the network without an admin token', async () => {
    const { requests, outcome } = await expectSame('noToken', async (db) => db.query({ goals: {} }))
    expect(requests).toEqual([])
    expect(outcome).toMatchObject({
      ok: false,
      error: {
        name: 'Error',
        message:
          'Admin token required. To run this operation pass `adminToken` to `init`, or use `db.asUser`.',
      },
    })
  })

  it('asUser({ email }) without an admin token rejects with the SDK message', async () => {
    const { outcome } = await expectSame('noToken', async (db) =>
      db.asUser({ email: 'a@b.co' }).query({ goals: {} }),
    )
    expect(outcome).toMatchObject({
      ok: false,
      error: {
        message:
          'Admin token required. To impersonate users with an email you must pass `adminToken` to `init`.',
      },
    })
  })
})

describe('transact', () => {
  const build = (db: AnyDb, lk: typeof lookup) => [
    db.tx.goals[GOAL_ID].update({ title: 'Get fit' }),
    db.tx.goals[GOAL_ID].update({ title: 'Strict' }, { upsert: false }),
    db.tx.todos[TODO_ID].create({ title: 'Run' }).link({ goal: GOAL_ID }),
    db.tx.goals[GOAL_ID].merge({ meta: { a: 1 } }),
    db.tx.goals[GOAL_ID].link({ todos: [TODO_ID, TODO_ID_2] }),
    db.tx.goals[GOAL_ID].unlink({ todos: TODO_ID_2 }),
    db.tx.users[lk('email', 'a@b.co')].update({ nickname: 'al' }),
    db.tx.users.lookup('handle', 'al__x').update({ n: 1 }),
    db.tx.goals[GOAL_ID].link({ owner: lk('email', 'a@b.co') }),
    db.tx.docs[GOAL_ID].ruleParams({ k: 'v' }),
    db.tx.todos[TODO_ID_2].delete(),
  ]

  it('sends the same steps as the SDK builder, in order, and returns the body', async () => {
    const theirs = await runOn(sdk.plain, (db) => db.transact(build(db, sdkLookup)), [
      json(200, { 'tx-id': 42 }),
    ])
    const mine = await runOn(ours.plain, (db) => db.transact(build(db, lookup)), [
      json(200, { 'tx-id': 42 }),
    ])
    expect(mine.requests).toEqual(theirs.requests)
    expect(mine.outcome).toEqual({ ok: true, value: { 'tx-id': 42 } })
    expect(theirs.outcome).toEqual(mine.outcome)
    expect(JSON.parse(mine.requests[0]!.body)).toEqual({
      steps: [
        ['update', 'goals', GOAL_ID, { title: 'Get fit' }],
        ['update', 'goals', GOAL_ID, { title: 'Strict' }, { upsert: false }],
        ['create', 'todos', TODO_ID, { title: 'Run' }],
        ['link', 'todos', TODO_ID, { goal: GOAL_ID }],
        ['merge', 'goals', GOAL_ID, { meta: { a: 1 } }],
        ['link', 'goals', GOAL_ID, { todos: [TODO_ID, TODO_ID_2] }],
        ['unlink', 'goals', GOAL_ID, { todos: TODO_ID_2 }],
        ['update', 'users', ['email', 'a@b.co'], { nickname: 'al' }],
        ['update', 'users', ['handle', 'al__x'], { n: 1 }],
        ['link', 'goals', GOAL_ID, { owner: 'lookup__email__"a@b.co"' }],
        ['ruleParams', 'docs', GOAL_ID, { k: 'v' }],
        ['delete', 'todos', TODO_ID_2, null],
      ],
      'throw-on-missing-attrs?': false,
    })
  })

  it('accepts a single chunk and sends throw-on-missing-attrs?: true with a schema', async () => {
    const { requests } = await expectSame('withSchema', (db) =>
      db.transact(db.tx.goals[GOAL_ID].update({ title: 'x' })),
    )
    expect(requests[0]!.body).toBe(
      `{"steps":[["update","goals","${GOAL_ID}",{"title":"x"}]],"throw-on-missing-attrs?":true}`,
    )
  })

  it('accepts chunks built by the SDK builder', async () => {
    const chunk = sdk.plain.tx.goals[GOAL_ID].update({ title: 'x' })
    await expectSame('plain', (db) => db.transact([chunk]))
  })
})

describe('auth', () => {
  const tokenResponse = json(200, { user: USER, created: true })

  it.each([
    ['{ email }', { email: 'alyssa@example.com' }],
    ['{ id }', { id: TODO_ID }],
    ['an email string', 'alyssa@example.com'],
  ])('createToken(%s) returns the refresh token', async (_label, input) => {
    const { requests, outcome } = await expectSame('plain', (db) => db.auth.createToken(input), [
      tokenResponse,
    ])
    expect(requests[0]!.url).toBe(`/admin/refresh_tokens?app_id=${APP_ID}`)
    expect(outcome).toEqual({ ok: true, value: USER_TOKEN })
  })

  it.each(['generateMagicCode', 'sendMagicCode'])('%s(email) returns { code }', async (method) => {
    const { requests, outcome } = await expectSame(
      'plain',
      (db) => db.auth[method]('alyssa@example.com'),
      [json(200, { code: '123456' })],
    )
    expect(requests[0]!.body).toBe('{"email":"alyssa@example.com"}')
    expect(outcome).toEqual({ ok: true, value: { code: '123456' } })
  })

  it('checkMagicCode returns { user, created }, with and without extraFields', async () => {
    const { requests, outcome } = await expectSame(
      'plain',
      async (db) => [
        await db.auth.checkMagicCode('alyssa@example.com', '123456'),
        await db.auth.checkMagicCode('alyssa@example.com', '123456', {
          extraFields: { nickname: 'al' },
        }),
      ],
      [tokenResponse, json(200, { user: USER, created: false, extra: 1 })],
    )
    expect(requests.map((r) => r.body)).toEqual([
      '{"email":"alyssa@example.com","code":"123456"}',
      '{"email":"alyssa@example.com","code":"123456","extra-fields":{"nickname":"al"}}',
    ])
    expect(outcome).toEqual({
      ok: true,
      value: [
        { user: USER, created: true },
        { user: USER, created: false },
      ],
    })
  })

  it('verifyMagicCode returns the user', async () => {
    const { outcome } = await expectSame(
      'plain',
      (db) => db.auth.verifyMagicCode('alyssa@example.com', '123456'),
      [tokenResponse],
    )
    expect(outcome).toEqual({ ok: true, value: USER })
  })

  it('verifyToken sends no app-id or bearer and a kebab-case body', async () => {
    const { requests, outcome } = await expectSame(
      'plain',
      (db) => db.auth.verifyToken(USER_TOKEN),
      [json(200, { user: USER })],
    )
    expect(requests[0]).toEqual({
      method: 'POST',
      url: `/runtime/auth/verify_refresh_token?app_id=${APP_ID}`,
      headers: {
        host: server.url.slice('http://'.length),
        'content-type': 'application/json',
        'instant-admin-version': '<version>',
        'instant-core-version': '<version>',
        'content-length': String(requests[0]!.body.length),
      },
      body: `{"app-id":"${APP_ID}","refresh-token":"${USER_TOKEN}"}`,
    })
    expect(outcome).toEqual({ ok: true, value: USER })
  })

  it('verifyToken needs no admin token', async () => {
    await expectSame('noToken', (db) => db.auth.verifyToken(USER_TOKEN), [
      json(200, { user: USER }),
    ])
  })

  it.each([
    ['email', { email: 'a+b@example.com' }],
    ['id', { id: TODO_ID }],
    ['refresh_token', { refresh_token: USER_TOKEN }],
  ])('getUser and deleteUser by %s', async (_key, params) => {
    const { requests, outcome } = await expectSame(
      'plain',
      async (db) => [await db.auth.getUser(params), await db.auth.deleteUser(params)],
      [json(200, { user: USER }), json(200, { deleted: null })],
    )
    const qs = new URLSearchParams(Object.entries(params)).toString()
    expect(requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      `GET /admin/users?app_id=${APP_ID}&${qs}`,
      `DELETE /admin/users?app_id=${APP_ID}&${qs}`,
    ])
    expect(outcome).toEqual({ ok: true, value: [USER, null] })
  })

  it.each([
    ['{ email }', { email: 'a@b.co' }, '{"email":"a@b.co"}'],
    ['{ id }', { id: TODO_ID }, `{"id":"${TODO_ID}"}`],
    ['{ refresh_token }', { refresh_token: USER_TOKEN }, `{"refresh_token":"${USER_TOKEN}"}`],
    ['an email string', 'a@b.co', '{"email":"a@b.co"}'],
  ])('signOut(%s) resolves to undefined', async (_label, input, body) => {
    const { requests, outcome } = await expectSame('plain', (db) => db.auth.signOut(input), [
      json(200, { ok: true }),
    ])
    expect(requests[0]!.body).toBe(body)
    expect(outcome).toEqual({ ok: true, value: undefined })
  })

  it.each([
    'createToken',
    'generateMagicCode',
    'sendMagicCode',
    'verifyMagicCode',
    'checkMagicCode',
    'getUser',
    'deleteUser',
    'signOut',
  ])('%s without an admin token rejects before the network', async (method) => {
    const arg = method === 'getUser' || method === 'deleteUser' ? { id: TODO_ID } : 'a@b.co'
    const { requests, outcome } = await expectSame('noToken', (db) =>
      db.auth[method](arg, '123456'),
    )
    expect(requests).toEqual([])
    expect(outcome).toMatchObject({ ok: false, error: { name: 'Error' } })
    expect((outcome as unknown as { error: { message: string } }).error.message).toMatch(
      /^Admin token required\./,
    )
  })
})

describe('debugQuery and debugTransact', () => {
  const CHECKS = [{ id: TODO_ID, entity: 'todos', record: { id: TODO_ID }, check: true }]

  it('debugQuery posts to query_perms_check with every option and returns { result, checkResults }', async () => {
    const { requests, outcome } = await expectSame(
      'plain',
      (db) =>
        db.asUser({ guest: true }).debugQuery(
          { todos: {} },
          {
            rules: { todos: { allow: { view: 'true' } } },
            ruleParams: { k: 1 },
            ip: '10.0.0.1',
            origin: 'https://a.example',
          },
        ),
      [json(200, { result: { todos: [] }, 'check-results': CHECKS, 'rule-wheres': null })],
    )
    expect(requests[0]!.url).toBe(`/admin/query_perms_check?app_id=${APP_ID}`)
    expect(requests[0]!.headers['as-guest']).toBe('true')
    expect(requests[0]!.body).toBe(
      '{"query":{"$$ruleParams":{"k":1},"todos":{}},"rules-override":{"todos":{"allow":{"view":"true"}}},"inference?":false,"ip-override":"10.0.0.1","origin-override":"https://a.example"}',
    )
    expect(outcome).toEqual({ ok: true, value: { result: { todos: [] }, checkResults: CHECKS } })
  })

  it('debugQuery sends inference? from the schema or cardinalityInference', async () => {
    const withSchema = await expectSame(
      'withSchema',
      (db) => db.asUser({ token: USER_TOKEN }).debugQuery({ todos: {} }),
      [json(200, { result: {}, 'check-results': [] })],
    )
    expect(withSchema.requests[0]!.body).toBe('{"query":{"todos":{}},"inference?":true}')
    const forced = await expectSame(
      'plain',
      (db) =>
        db.asUser({ token: USER_TOKEN }).debugQuery({ todos: {} }, { cardinalityInference: true }),
      [json(200, { result: {}, 'check-results': [] })],
    )
    expect(forced.requests[0]!.headers['as-token']).toBe(USER_TOKEN)
    expect(JSON.parse(forced.requests[0]!.body)['inference?']).toBe(true)
  })

  it('debugTransact posts the steps to transact_perms_check and returns the body unchanged', async () => {
    const answer = {
      'tx-id': 3,
      'all-checks-ok?': false,
      'committed?': false,
      'check-results': [],
    }
    const { requests, outcome } = await expectSame(
      'plain',
      (db) => {
        const scoped = db.asUser({ email: 'alyssa@example.com' })
        return scoped.debugTransact(scoped.tx.todos[TODO_ID].update({ title: 'x' }), {
          rules: { todos: { allow: { create: 'false' } } },
          ip: '10.0.0.1',
          __dangerouslyCommit: true,
        })
      },
      [json(200, answer)],
    )
    expect(requests[0]!.url).toBe(`/admin/transact_perms_check?app_id=${APP_ID}`)
    expect(requests[0]!.headers['as-email']).toBe('alyssa@example.com')
    expect(JSON.parse(requests[0]!.body)).toEqual({
      steps: [['update', 'todos', TODO_ID, { title: 'x' }]],
      'rules-override': { todos: { allow: { create: 'false' } } },
      'dangerously-commit-tx': true,
      'ip-override': '10.0.0.1',
    })
    expect(outcome).toEqual({ ok: true, value: answer })
  })

  it('passes Instant’s refusal of an admin caller through as the same error', async () => {
    const refusal = json(400, {
      type: 'validation-failed',
      message: 'Validation failed for non-admin: Cannot test perms as admin',
      hint: { 'data-type': 'non-admin', input: 'non-admin', errors: [] },
    })
    await expectSame('plain', (db) => db.debugQuery({ todos: {} }), [refusal])
    await expectSame('plain', (db) => db.debugTransact([]), [refusal])
  })
})

describe('error answers', () => {
  const recordNotFound = {
    type: 'record-not-found',
    message: 'Record not found: app-user',
    hint: { 'record-type': 'app-user', args: [{ 'app-id': APP_ID }] },
  }

  it.each<[string, ScriptedResponse]>([
    ['400 record-not-found', json(400, recordNotFound)],
    [
      '429 rate-limited with trace-id',
      json(429, { type: 'rate-limited', message: 'Too many', 'trace-id': 'abc123' }),
    ],
    ['400 with traceId', json(400, { type: 'validation-failed', message: 'Bad', traceId: 't-1' })],
    [
      '500 unknown',
      json(500, { type: 'unknown', message: 'Something went wrong. Sorry about this!', hint: {} }),
    ],
    ['500 without a message', json(500, { type: 'unknown' })],
    ['502 HTML', { status: 502, body: '<html>Bad gateway</html>', contentType: 'text/html' }],
    ['404 plain text', { status: 404, body: 'Not found', contentType: 'text/plain' }],
    ['400 JSON null', { status: 400, body: 'null' }],
    ['503 empty body', { status: 503, body: '' }],
  ])('%s throws the same InstantAPIError from every method', async (_label, response) => {
    const calls: ((db: AnyDb) => unknown)[] = [
      (db) => db.query({ goals: {} }),
      (db) => db.transact(db.tx.goals[GOAL_ID].delete()),
      (db) => db.asUser({ token: USER_TOKEN }).query({ goals: {} }),
      (db) => db.auth.createToken({ email: 'a@b.co' }),
      (db) => db.auth.generateMagicCode('a@b.co'),
      (db) => db.auth.sendMagicCode('a@b.co'),
      (db) => db.auth.checkMagicCode('a@b.co', '123456'),
      (db) => db.auth.verifyMagicCode('a@b.co', '123456'),
      (db) => db.auth.verifyToken(USER_TOKEN),
      (db) => db.auth.getUser({ email: 'a@b.co' }),
      (db) => db.auth.deleteUser({ email: 'a@b.co' }),
      (db) => db.auth.signOut({ email: 'a@b.co' }),
    ]
    for (const call of calls) {
      const { outcome } = await expectSame('plain', call, [response])
      expect(outcome).toMatchObject({ ok: false, error: { name: 'InstantAPIError' } })
    }
  })

  it('keeps the SDK fields exactly for a 400 record-not-found', async () => {
    const { outcome } = await expectSame('plain', (db) => db.auth.verifyToken(USER_TOKEN), [
      json(400, recordNotFound),
    ])
    expect(outcome).toEqual({
      ok: false,
      error: {
        name: 'InstantAPIError',
        message: 'Record not found: app-user',
        status: 400,
        body: recordNotFound,
        hint: recordNotFound.hint,
        traceId: undefined,
        hasOwnTraceId: true,
        toStringTag: '[object InstantAPIError]',
      },
    })
  })

  it('wraps a non-JSON error body as { type: undefined, message }', async () => {
    const { outcome } = await expectSame('plain', (db) => db.query({ goals: {} }), [
      { status: 502, body: '<html>Bad gateway</html>', contentType: 'text/html' },
    ])
    expect(outcome).toMatchObject({
      ok: false,
      error: {
        message: '<html>Bad gateway</html>',
        status: 502,
        body: { type: undefined, message: '<html>Bad gateway</html>' },
      },
    })
  })
})
