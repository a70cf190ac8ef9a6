/**
 * The kit's record of the magic codes it issued, one per email, in a {@link StateStore}.
 * Instant keeps every code it generates valid for up to 24 h and checks a guess against all
 * of them; the kit receives each code from `generateMagicCode`, so it can be stricter: only the
 * latest code verifies, it expires after `ttlMs`, a few attempts burn it, and daily ceilings cap
 * sends and attempts per email. A guess is checked here first, so a wrong one costs no call to
 * Instant.
 *
 * The store holds an HMAC-SHA256 of the code under a key it never sees (http/code-secret.ts),
 * and its keys name emails and clients by HMACs under the same key: whoever reads the store can
 * neither try the 10^6 codes against a record nor try a list of emails against its keys.
 */
import { createHmac, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto'
import type { CodeKeys } from '../http/code-secret.js'
import type { StateStore } from '../state-store.js'

/** How long an issued code verifies, in ms (10 minutes). */
export const DEFAULT_CODE_TTL_MS = 10 * 60_000
/** Verification attempts one code accepts; the last wrong one burns it. */
export const DEFAULT_CODE_ATTEMPTS = 5
/** Window of the daily ceilings, in ms. */
export const DAILY_WINDOW_MS = 24 * 60 * 60_000
/** Codes sent to one email per daily window. */
export const DEFAULT_DAILY_SENDS_PER_EMAIL = 20
/**
 * Verification attempts against one email's codes per daily window, from all clients together.
 * This is the guessing budget: see docs/security.md "Magic-code guessing budget".
 */
export const DEFAULT_DAILY_ATTEMPTS_PER_EMAIL = 50
/** Verification attempts against one email's codes per daily window from one client (IP). */
export const DEFAULT_DAILY_ATTEMPTS_PER_CLIENT = 20

/** The limits a {@link magicCodeRecords} enforces. */
export interface CodeBudget {
  /** How long a code verifies, in ms. */
  ttlMs: number
  /** Attempts per code. */
  attemptsPerCode: number
  /** Sends per email per day. */
  dailySendsPerEmail: number
  /** Attempts per email per day, all clients together. */
  dailyAttemptsPerEmail: number
  /** Attempts per email per day from one client. */
  dailyAttemptsPerClient: number
}

/** What a verification attempt came to. */
type CodeCheck =
  /** The code is the latest one, unexpired, unburned, and now consumed (only this caller got it). */
  | { outcome: 'accepted'; id: string; expiresAt: number }
  /** No code verifies: none issued, expired, burned, used, or a wrong guess. */
  | { outcome: 'rejected'; reason: 'none' | 'expired' | 'burned' | 'used' | 'wrong' }
  /** A daily ceiling is reached; nothing was compared. */
  | { outcome: 'limited'; resetAt: number }

/** A send refused by the daily ceiling. */
type SendReservation = { allowed: true } | { allowed: false; resetAt: number }

/** Reads and writes the records; built once per router. */
export interface MagicCodeRecords {
  /** Counts a send against the email's daily ceiling (before the code is generated). */
  reserveSend(email: string): Promise<SendReservation>
  /** Records `code` as the email's only valid code, replacing any earlier one. */
  issue(email: string, code: string): Promise<void>
  /** Checks a guess from `client` (an IP); an accepted code is consumed atomically. */
  check(email: string, client: string, code: string): Promise<CodeCheck>
  /** Makes an accepted code valid again (Instant could not be asked; the user may retry). */
  restore(accepted: { id: string; expiresAt: number }): Promise<void>
}

interface CodeRecord {
  id: string
  /** HMAC-SHA256 of the code, its id and the email; records without one (older versions) never verify. */
  mac: string
  issuedAt: number
}

function parseRecord(raw: string | undefined): CodeRecord | undefined {
  if (raw === undefined) return undefined
  try {
    const value = JSON.parse(raw) as Partial<CodeRecord>
    if (
      typeof value.id === 'string' &&
      typeof value.mac === 'string' &&
      typeof value.issuedAt === 'number'
    ) {
      return { id: value.id, mac: value.mac, issuedAt: value.issuedAt }
    }
  } catch {
    // A foreign or truncated value: no code verifies, as if none was issued.
  }
  return undefined
}

function sameMac(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/**
 * Builds the records over `store`, written under `keys.current` and read under every key of
 * `keys` (see http/code-secret.ts; more than one while `codeSecret` rotates). Each step is one
 * atomic store operation; counters are hit *before* the comparison, so concurrent guesses cannot
 * overrun a ceiling. Operations that do not depend on each other go to the store together: a
 * wrong guess costs two sequential round trips, a right one three, an issue one, whatever the
 * number of keys.
 */
export function magicCodeRecords(
  store: StateStore,
  budget: CodeBudget,
  keys: CodeKeys,
): MagicCodeRecords {
  // Lines: only the last part (an email) may hold a newline, so no two inputs read the same.
  const mac = (key: KeyObject, ...parts: string[]): string =>
    createHmac('sha256', key).update(parts.join('\n')).digest('base64url')
  const emailTag = (key: KeyObject, email: string): string => mac(key, 'email', email).slice(0, 32)
  const clientTag = (key: KeyObject, client: string, email: string): string =>
    mac(key, 'client', client, email).slice(0, 32)
  const recordKey = (tag: string): string => `iea:code:e:${tag}`
  const liveKey = (id: string): string => `iea:code-live:${id}`
  const attemptsKey = (id: string): string => `iea:code-attempts:${id}`
  const codeMac = (key: KeyObject, id: string, email: string, code: string): string =>
    mac(key, 'code', id, code, email)
  const previous = keys.all.slice(1)

  /**
   * Hits one daily counter under every key and answers the highest count: a rotation neither
   * resets a ceiling (the previous key's counter goes on counting) nor doubles it.
   */
  async function hitDaily(
    name: (key: KeyObject) => string,
  ): Promise<{ count: number; resetAt: number }> {
    const hits = await Promise.all(keys.all.map((key) => store.hit(name(key), DAILY_WINDOW_MS)))
    return hits.reduce((most, hit) => (hit.count > most.count ? hit : most))
  }

  return {
    async reserveSend(email) {
      const { count, resetAt } = await hitDaily(
        (key) => `iea:code-sends-day:e:${emailTag(key, email)}`,
      )
      return count > budget.dailySendsPerEmail ? { allowed: false, resetAt } : { allowed: true }
    },

    async issue(email, code) {
      const id = randomBytes(16).toString('base64url')
      const record: CodeRecord = {
        id,
        mac: codeMac(keys.current, id, email, code),
        issuedAt: Date.now(),
      }
      // The live marker is what a right answer consumes; the record says which code is latest.
      // Written together: if only one lands, no code verifies outside the rules. A marker alone
      // is named by no record and expires with the code; a record alone replaced the previous
      // code and answers "used" for the new one, so the user asks again (and the route answers
      // 503 before any email goes out). A record under a previous key is removed with them:
      // only the latest code verifies, across a rotation too.
      await Promise.all([
        store.put(liveKey(id), '1', budget.ttlMs),
        store.put(recordKey(emailTag(keys.current, email)), JSON.stringify(record), budget.ttlMs),
        ...previous.map((key) => store.delete(recordKey(emailTag(key, email)))),
      ])
    },

    async check(email, client, code) {
      // The daily counters are hit with the read of the records, whether or not a code is
      // pending (so a 429 says nothing about one), and before anything is compared.
      const [raws, perEmail, perClient] = await Promise.all([
        Promise.all(keys.all.map((key) => store.get(recordKey(emailTag(key, email))))),
        hitDaily((key) => `iea:code-attempts-day:e:${emailTag(key, email)}`),
        hitDaily((key) => `iea:code-attempts-day:c:${clientTag(key, client, email)}`),
      ])
      if (perEmail.count > budget.dailyAttemptsPerEmail)
        return { outcome: 'limited', resetAt: perEmail.resetAt }
      if (perClient.count > budget.dailyAttemptsPerClient)
        return { outcome: 'limited', resetAt: perClient.resetAt }
      // The record under the newest key that has one: a code issued after a rotation wins.
      const index = raws.findIndex((raw) => parseRecord(raw) !== undefined)
      const record = index === -1 ? undefined : parseRecord(raws[index])
      const key = keys.all[index]
      if (record === undefined || key === undefined) return { outcome: 'rejected', reason: 'none' }
      const expiresAt = record.issuedAt + budget.ttlMs
      if (expiresAt <= Date.now()) return { outcome: 'rejected', reason: 'expired' }
      // The code's own counter is named by the record's id, hence a second round trip.
      const attempt = await store.hit(attemptsKey(record.id), budget.ttlMs)
      if (attempt.count > budget.attemptsPerCode) return { outcome: 'rejected', reason: 'burned' }
      if (!sameMac(record.mac, codeMac(key, record.id, email, code)))
        return { outcome: 'rejected', reason: 'wrong' }
      if ((await store.take(liveKey(record.id))) === undefined)
        return { outcome: 'rejected', reason: 'used' }
      return { outcome: 'accepted', id: record.id, expiresAt }
    },

    async restore({ id, expiresAt }) {
      const ttlMs = expiresAt - Date.now()
      if (ttlMs > 0) await store.put(liveKey(id), '1', ttlMs)
    },
  }
}
