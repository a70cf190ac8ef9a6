// @ts-check
// The testing entry's section of `npm run bench`: environment start and clearData (E1, E2).
import { runChild } from '../shared/children.js'
import { fmt } from '../shared/stats.js'

/** @type {import('../sections.js').Section} */
export const testing = {
  id: 'testing',
  about: 'initializeTestEnvironment() start, and clearData() with 1,000 entities',
  run: () => runChild('testing', 'testing/environment.js', { timeoutMs: 120_000 }),
  summary: (t) => [
    `Testing entry: environment start p50 ${fmt(t.start.p50Ms, 1)} ms, p99 ${fmt(t.start.p99Ms, 1)} ms (n=${t.runs}); ` +
      `clearData() of ${t.clear.entities} entities p50 ${fmt(t.clear.p50Ms, 2)} ms, p99 ${fmt(t.clear.p99Ms, 2)} ms`,
  ],
}
