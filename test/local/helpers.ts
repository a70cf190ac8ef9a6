import { init } from '@instantdb/admin'
import { afterEach } from 'vitest'
import {
  startLocalInstant,
  type LocalInstant,
  type LocalInstantLogger,
  type LocalInstantOptions,
} from 'instant-express-auth/local'

type InstantAdmin = ReturnType<typeof init>

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
export const CREATED_AT_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/

/** A logger that keeps every line, to assert on (and to check for leaked secrets). */
export function captureLogger(): LocalInstantLogger & { lines: string[] } {
  const lines: string[] = []
  return {
    lines,
    info: (m) => lines.push(m),
    error: (m) => lines.push(m),
  }
}

/** Awaits a rejection and returns it (fails the test when the promise resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<any> {
  try {
    await promise
  } catch (err) {
    return err
  }
  throw new Error('expected a rejection')
}

/** Starts Local Instants for one test file (silent by default) and closes them after each test. */
export function localInstants(): {
  start(options?: LocalInstantOptions): Promise<{ local: LocalInstant; db: InstantAdmin }>
} {
  const started: LocalInstant[] = []
  afterEach(async () => {
    await Promise.all(started.splice(0).map((l) => l.close()))
  })
  return {
    async start(options = {}) {
      const local = await startLocalInstant({ logger: false, ...options })
      started.push(local)
      const db = init({ appId: local.appId, adminToken: local.adminToken, apiURI: local.apiURI })
      return { local, db }
    },
  }
}

/** A JSON POST to Local Instant as a browser (runtime routes) or an admin client would send it. */
export async function post(
  local: LocalInstant,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any }> {
  const res = await fetch(`${local.apiURI}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  })
  return { status: res.status, body: (await res.json()) as any }
}

/**
 * A guest (runtime sign-in) that then verifies a magic code for an existing `email` account, so
 * Local Instant links it to that account via `linkedPrimaryUser`. Returns both users and the
 * verify answer.
 */
export async function linkGuestToAccount(
  local: LocalInstant,
  db: InstantAdmin,
  email: string,
): Promise<{
  main: { id: string; token: string }
  guest: { id: string; token: string; created_at: string }
  verified: { status: number; body: any }
}> {
  const mainToken = await db.auth.createToken({ email })
  const main = (await db.auth.getUser({ email })) as { id: string }
  const signedIn = await post(local, '/runtime/auth/sign_in_guest', { 'app-id': local.appId })
  const guest = signedIn.body.user
  const { code } = await db.auth.generateMagicCode(email)
  const verified = await post(
    local,
    `/admin/verify_magic_code?app_id=${local.appId}`,
    { email, code, 'refresh-token': guest.refresh_token },
    { authorization: `Bearer ${local.adminToken}` },
  )
  return {
    main: { id: main.id, token: mainToken },
    guest: { id: guest.id, token: guest.refresh_token, created_at: guest.created_at },
    verified,
  }
}

/** Instant's 400 body `record-not-found` for a `recordType` looked up by `args` (§6). */
export function recordNotFound(
  recordType: string,
  args: Record<string, unknown>,
  hint: Record<string, unknown> = {},
): { type: string; message: string; hint: Record<string, unknown> } {
  return {
    type: 'record-not-found',
    message: `Record not found: ${recordType}`,
    hint: { 'record-type': recordType, args: [args], ...hint },
  }
}
