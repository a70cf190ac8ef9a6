// @ts-check
// Memory of the default state store at its bound (`node --expose-gc bench/memory/state-store-memory.js`,
// after `npm run build`): fills `memoryStore()` to its default 100,000 keys with the kit's own
// shapes (a magic-code record and its live marker per email, and the daily counters), through
// the magic-code records exactly as the router writes them, then adds as many keys again to
// show the bound holds. Prints one JSON line.
import { createSecretKey, randomBytes } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { memoryStore } from '../../dist/index.js'
import { magicCodeRecords } from '../../dist/magic-code/magic-code-records.js'

const MB = 1024 * 1024
const gc = /** @type {(() => void) | undefined} */ (globalThis.gc)
if (gc === undefined) throw new Error('run with node --expose-gc')

const budget = {
  ttlMs: 600_000,
  attemptsPerCode: 5,
  dailySendsPerEmail: 20,
  dailyAttemptsPerEmail: 50,
  dailyAttemptsPerClient: 20,
}

/**
 * One send and one wrong guess for `n` emails: 6 keys each (record, live, sends, 2 daily, attempts).
 * @param {import('../../dist/magic-code/magic-code-records.js').MagicCodeRecords} records
 * @param {number} from
 * @param {number} n
 */
async function fill(records, from, n) {
  for (let i = from; i < from + n; i++) {
    const email = `user-${i}@example.com`
    await records.reserveSend(email)
    await records.issue(email, String(i % 1_000_000).padStart(6, '0'))
    await records.check(email, `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, '999999')
  }
}

gc()
const before = process.memoryUsage().heapUsed
const store = memoryStore()
const records = magicCodeRecords(store, budget, createSecretKey(randomBytes(32)))
const EMAILS = Math.ceil(100_000 / 6)
const started = performance.now()
await fill(records, 0, EMAILS)
const fillMs = performance.now() - started
gc()
const full = process.memoryUsage().heapUsed
await fill(records, EMAILS, EMAILS)
gc()
const twice = process.memoryUsage().heapUsed
console.log(
  JSON.stringify({
    bench: 'state-store-memory',
    keys: 100_000,
    heapAtBoundMB: +((full - before) / MB).toFixed(1),
    bytesPerKey: Math.round((full - before) / 100_000),
    heapAfterTwiceTheKeysMB: +((twice - before) / MB).toFixed(1),
    usPerSendAndGuess: +((fillMs * 1000) / EMAILS).toFixed(1),
  }),
)
