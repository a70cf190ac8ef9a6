// @ts-check
// The hand-written verification every control app does (throughput/app.js's `sdk` and `undici`
// variants, the soak's `undici` control): read the `token` header, verify it, answer the user.
// Nothing here loads undici until a variant asks for it: what a process loads is what the
// diagnostics compare.

/** Drops `refresh_token` (the kit never hands it out), so every variant answers the same body. */
export function publicUser(/** @type {Record<string, unknown>} */ user) {
  const { refresh_token: _secret, ...rest } = user
  return rest
}

/**
 * `GET /me` verifying the `token` header with `verify`: 401 when it is missing or refused
 * (`verify` throws with `status: 400`), 503 for anything else.
 * @param {import('express').Express} app
 * @param {(token: string) => Promise<Record<string, unknown>>} verify resolves with the user
 */
export function tokenRoute(app, verify) {
  app.get('/me', async (req, res) => {
    const token = req.headers.token
    if (typeof token !== 'string') {
      res.status(401).json({ error: 'missing' })
      return
    }
    try {
      res.json(publicUser(await verify(token)))
    } catch (err) {
      const refused = /** @type {{ status?: number }} */ (err)?.status === 400
      res.status(refused ? 401 : 503).json({ error: refused ? 'invalid' : 'unavailable' })
    }
  })
}

/**
 * Where a raw verification goes: the pool's origin and the path of the verify endpoint.
 * @param {string} apiURI @param {string} appId
 */
export function verifyTarget(apiURI, appId) {
  const url = new URL(apiURI)
  const path = `${url.pathname.replace(/\/$/, '')}/runtime/auth/verify_refresh_token?app_id=${appId}`
  return { origin: url.origin, path }
}

/** A refusal shaped as tokenRoute reads it. */
export const refused = () => Object.assign(new Error('verify'), { status: 400 })

/**
 * The floor for a verified request: one pooled keep-alive undici request per call.
 * @param {string} apiURI @param {string} appId
 * @returns {Promise<{ verify: (token: string) => Promise<Record<string, unknown>>, close: () => Promise<void> }>}
 */
export async function undiciVerifier(apiURI, appId) {
  const { Pool } = await import('undici')
  const { origin, path } = verifyTarget(apiURI, appId)
  const pool = new Pool(origin)
  return {
    async verify(token) {
      const up = await pool.request({
        path,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ 'app-id': appId, 'refresh-token': token }),
      })
      const data = /** @type {any} */ (await up.body.json())
      if (up.statusCode !== 200) throw refused()
      return data.user
    },
    close: () => pool.close(),
  }
}
