// @ts-check
// Every section of `npm run bench`, in run order. A section answers one question and returns
// the figures the targets (targets.js) read; BENCH_ONLY names sections by `id`.
import { backup, query, realtime, sessions, sqlite } from './local/sections.js'
import { memory } from './memory/sections.js'
import { multi } from './multi-instance/sections.js'
import { soak } from './soak/sections.js'
import { testing } from './testing/sections.js'
import { paired, singleflight, throughput } from './throughput/sections.js'

/**
 * @typedef {object} Section
 * @property {string} id what BENCH_ONLY calls it, and the key of its figures in the results
 * @property {string} about one line logged as it starts
 * @property {() => Promise<Record<string, any>>} run measures; a throw marks the section failed
 * @property {(result: Record<string, any>) => string[]} [summary] lines printed above the targets
 */

/** @type {Section[]} */
export const SECTIONS = [
  throughput,
  singleflight,
  memory,
  query,
  sqlite,
  realtime,
  testing,
  sessions,
  backup,
  paired,
  multi,
  soak,
]
