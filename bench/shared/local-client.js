// @ts-check
// Local Instant for a section (shared/local.js in its own process), and the two calls the
// sections make to it directly: minting a user's refresh token and verifying one.
import { request } from 'undici'
import { profileArgs, startChild } from './children.js'
import { PROFILE_LOCAL } from './knobs.js'

export const VERIFY_PATH = '/runtime/auth/verify_refresh_token'

/**
 * @typedef {{ apiURI: string, appId: string, adminToken: string, cpuURL: string }} LocalInfo
 */

/**
 * @param {string} label
 * @param {Record<string, string>} [env] for Local Instant's process (BENCH_SQLITE)
 * @returns {Promise<{ child: import('./children.js').Child, info: LocalInfo }>}
 */
export function startLocal(label, env = {}) {
  return startChild(label, 'shared/local.js', {
    nodeArgs: PROFILE_LOCAL ? profileArgs(label) : [],
    env,
  })
}

/** What bench apps need to reach Local Instant. @param {LocalInfo} local */
export function appEnvFor(local) {
  return { API_URI: local.apiURI, APP_ID: local.appId, ADMIN_TOKEN: local.adminToken }
}

/** @param {string} apiURI @param {string} path */
export function endpoint(apiURI, path) {
  return apiURI.replace(/\/$/, '') + path
}

/**
 * Mints a refresh token for `email` with the admin API (creates the user if missing).
 * @param {LocalInfo} local
 * @param {string} email
 * @returns {Promise<string>}
 */
export async function createToken(local, email) {
  const res = await request(endpoint(local.apiURI, `/admin/refresh_tokens?app_id=${local.appId}`), {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'app-id': local.appId,
      authorization: `Bearer ${local.adminToken}`,
    },
    body: JSON.stringify({ email }),
  })
  const body = /** @type {any} */ (await res.body.json())
  if (res.statusCode !== 200 || typeof body?.user?.refresh_token !== 'string') {
    throw new Error(`createToken: ${res.statusCode} ${JSON.stringify(body)}`)
  }
  return body.user.refresh_token
}

/**
 * @param {LocalInfo} local
 * @param {string} token
 * @returns {Promise<Record<string, unknown>>}
 */
export async function verifyDirect(local, token) {
  const res = await request(endpoint(local.apiURI, `${VERIFY_PATH}?app_id=${local.appId}`), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ 'app-id': local.appId, 'refresh-token': token }),
  })
  const body = /** @type {any} */ (await res.body.json())
  if (res.statusCode !== 200 || typeof body?.user !== 'object') {
    throw new Error(`verify: ${res.statusCode} ${JSON.stringify(body)}`)
  }
  return body.user
}
