// @ts-check
// The multi-instance section of `npm run bench` (issue 14): three app instances, one Local
// Instant, one Redis (multi-instance/multi-instance.js, in its own process): M1, M2.
import { runChild } from '../shared/children.js'
import { fmt } from '../shared/stats.js'

/** @type {import('../sections.js').Section} */
export const multi = {
  id: 'multi',
  about: '3 instances, one Local Instant, one Redis (multi-instance/multi-instance.js)',
  run: () => runChild('multi', 'multi-instance/multi-instance.js', { timeoutMs: 900_000 }),
  summary(m) {
    const row = (/** @type {string} */ name, /** @type {any} */ t) =>
      `  ${name.padEnd(34)} Redis ${fmt(t.redis.rpsMedian).padStart(6)} req/s (${fmt(t.redis.appCpuUsPerRequest)} µs)  ` +
      `memory ${fmt(t.memory.rpsMedian).padStart(6)} req/s (${fmt(t.memory.appCpuUsPerRequest)} µs)  ratio ${fmt(t.ratio, 2)}`
    return [
      `multi-instance: upstream verifications for one token on 3 instances: Redis store ${m.upstreamVerifications.redis}, memory stores ${m.upstreamVerifications.memory}`,
      `  revocation, sign-out 204 on A → 401 on B and C (${m.revocationMs.trials} sign-outs): ` +
        `p50 ${fmt(m.revocationMs.p50, 1)} ms, p99 ${fmt(m.revocationMs.p99, 1)} ms, max ${fmt(m.revocationMs.max, 1)} ms`,
      row('POST /custom-send-magic-code', m.throughput.send),
      row('GET /me (warm cache)', m.throughput.me),
    ]
  },
}
