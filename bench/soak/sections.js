// @ts-check
// The soak section of `npm run bench`: 60 s at 200 connections over 1,000 users, Local Instant
// stopped and restarted (soak/soak.js), then the same soak against a bare Express route so that
// the RSS growth any Node/Express server shows is printed beside the kit's (S1–S4).
// SOAK_CONTROL=none skips the control.
import { log, runChild } from '../shared/children.js'
import { fmt } from '../shared/stats.js'

/** @param {Record<string, string>} env */
const runSoak = (env) =>
  runChild(env.SOAK_APP ? 'soak-bare' : 'soak', 'soak/soak.js', {
    nodeArgs: ['--expose-gc'],
    env,
    timeoutMs: 300_000,
  })

/** @type {import('../sections.js').Section} */
export const soak = {
  id: 'soak',
  about: '60 s at 200 connections over 1,000 users, Local Instant stopped and restarted',
  async run() {
    const kit = await runSoak({})
    if (process.env.SOAK_CONTROL === 'none') return kit
    log('soak control: the same soak against a bare Express route…')
    const control = await runSoak({ SOAK_APP: 'bare' }).catch((err) => {
      log(`soak control FAILED: ${err.message}`)
      return { failed: String(err.message) }
    })
    return { ...kit, control }
  },
  summary: (k) => [
    `soak: ${k.requests} requests in ${k.durationS}s (${k.rps} req/s), ${k.connections} connections, ${k.users} users; ` +
      `Instant stopped at ${k.stoppedAtS}s, back at ${k.restartedAtS}s; answers ${JSON.stringify(k.statusCodes)}; ` +
      `cache ${k.stats?.cacheSize} entries, ${k.stats?.verifications} verifications, ${k.stats?.upstreamFailures} upstream failures; ` +
      `${k.logged?.warn ?? 0} warning line(s)`,
  ],
}

/**
 * Where the soak's RSS growth sits, and the bare route's figure beside it (S3's note).
 * @param {Record<string, any>} soak
 */
export function soakMemoryNote(soak) {
  const g = soak.growthMB ?? {}
  const sign = (/** @type {number} */ x) => `${x >= 0 ? '+' : ''}${fmt(x, 1)}`
  const parts = [
    `live heap ${sign(soak.liveHeapGrowthMB)}`,
    `heap total ${sign(g.heapTotal)}`,
    `external ${sign(g.external)}`,
    `native ${sign(g.native)}`,
    `read as gc() returns ${sign(soak.rssAtGcGrowthMB)}`,
  ]
  if (soak.control && !soak.control.failed)
    parts.push(`bare route ${sign(soak.control.rssGrowthMB)} MB`)
  return parts.join(', ')
}
