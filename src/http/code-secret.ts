/**
 * The keys under which the kit writes to a store: the magic-code records (magic-code-records.ts)
 * and the rate-limit keys that name an email or a client (http/rate-limit-keys.ts). A code has
 * 6 digits, so anything in the store that an unkeyed function of the code could be checked
 * against gives every pending code to whoever reads the store (a replica, a backup, a `MONITOR`
 * session) in a million tries; an unkeyed hash of an email lets the same reader test a list of
 * addresses. The key never enters the store: with `memoryStore()` it is random and lives beside
 * the store, in this process; with a shared store every instance must hold the same one, so the
 * app supplies it.
 *
 * Rotation: `codeSecret: [current, ...previous]` writes under the first key and reads under all
 * of them, so codes pending when the key changes still verify and the daily ceilings hold.
 */
import { createSecretKey, randomBytes, type KeyObject } from 'node:crypto'
import { isMemoryStore, type StateStore } from '../state-store.js'
import type { KitLogger, OnEvent } from '../options/events.js'
import {
  limiterWithOwnStore,
  resolveRateLimits,
  type LimiterBuilder,
  type LimiterSetting,
} from './rate-limits.js'

/** Least key material of a `codeSecret`, in bytes: HMAC-SHA256's own output size. */
export const MIN_CODE_SECRET_BYTES = 32

/** One key: a string (its UTF-8 bytes are the key) or the bytes themselves. */
export type CodeSecretKey = string | Uint8Array

/**
 * A `codeSecret`: one key, or `[current, ...previous]` while rotating (the first writes, any
 * verifies).
 */
export type CodeSecret = CodeSecretKey | readonly [CodeSecretKey, ...CodeSecretKey[]]

/** The resolved keys of a router: `current` writes, `all` (current first) read. */
export interface CodeKeys {
  readonly current: KeyObject
  readonly all: readonly [KeyObject, ...KeyObject[]]
}

/** Most keys one `codeSecret` holds: the current one and the previous ones of a rotation. */
const MAX_CODE_SECRETS = 4

const HOW_TO_MAKE_ONE =
  'Make one with `openssl rand -base64 32`, keep it with your other secrets, and give every instance the same value'

/** One random key per memory store, so that routers sharing one store read each other's codes. */
const memoryStoreKeys = new WeakMap<StateStore, CodeKeys>()

/** Why a router needs an app-supplied key: a shared state store, or a limiter's own store. */
export type SharedStore =
  | { kind: 'state'; store: StateStore }
  | { kind: 'limiter'; option: string }
  | { kind: 'none'; store?: StateStore }

/**
 * What a router's keys are shared through: its state store when other processes can read it,
 * else the first limiter of `rateLimit` with its own store, else nothing (`store` is the
 * router's memory store, if it has one).
 */
export function sharedStoreOf(store: StateStore | undefined, rateLimit: unknown): SharedStore {
  if (store !== undefined && !isMemoryStore(store)) return { kind: 'state', store }
  const option = limiterWithOwnStore(rateLimit)
  if (option !== undefined) return { kind: 'limiter', option }
  return store === undefined ? { kind: 'none' } : { kind: 'none', store }
}

/**
 * Validates `codeSecret` once, at factory time, and returns the keys of `store`'s records and
 * rate-limit keys. Without a secret, a memory store (or none) gets its own random key; a store
 * other processes share is refused, since instances sharing it must share the key and a store
 * reader could otherwise brute-force the codes or test emails. Messages never show a secret,
 * only its length.
 */
export function resolveCodeSecret(value: unknown, shared: SharedStore, factory: string): CodeKeys {
  if (value === undefined) return randomKeys(shared, factory)
  const secrets: readonly unknown[] = Array.isArray(value) ? value : [value]
  if (Array.isArray(value) && (value.length === 0 || value.length > MAX_CODE_SECRETS)) {
    throw new TypeError(
      `${factory}(): \`codeSecret\` must be a key or an array of 1 to ${MAX_CODE_SECRETS} keys ([current, ...previous]); got ${value.length} keys.`,
    )
  }
  const keys = secrets.map((secret, index) =>
    keyOf(secret, Array.isArray(value) ? `codeSecret[${index}]` : 'codeSecret', factory),
  )
  return { current: keys[0] as KeyObject, all: keys as [KeyObject, ...KeyObject[]] }
}

function randomKeys(shared: SharedStore, factory: string): CodeKeys {
  if (shared.kind === 'state') {
    const what =
      factory === 'magicCodeRouter'
        ? 'its magic codes are written under, and without a key whoever can read the store (a replica, a backup, MONITOR) can try all 10^6 codes against it'
        : 'its emails and IPs are written under, and without a key whoever can read the store (a replica, a backup, MONITOR) could test a list of emails against it'
    throw new TypeError(
      `${factory}(): \`codeSecret\` is required with a store other than memoryStore(): instances sharing the store must share the key ${what}. ${HOW_TO_MAKE_ONE}, e.g. \`codeSecret: process.env.MAGIC_CODE_SECRET\`.`,
    )
  }
  if (shared.kind === 'limiter') {
    throw new TypeError(
      `${factory}(): \`codeSecret\` is required when \`${shared.option}\` has its own \`store\`: instances sharing it must share the key its emails and IPs are written under, and without a key whoever can read that store could test a list of emails against it. ${HOW_TO_MAKE_ONE}, e.g. \`codeSecret: process.env.MAGIC_CODE_SECRET\`.`,
    )
  }
  const store = shared.store
  const existing = store === undefined ? undefined : memoryStoreKeys.get(store)
  if (existing !== undefined) return existing
  const key = createSecretKey(randomBytes(MIN_CODE_SECRET_BYTES))
  const keys: CodeKeys = { current: key, all: [key] }
  if (store !== undefined) memoryStoreKeys.set(store, keys)
  return keys
}

function keyOf(value: unknown, option: string, factory: string): KeyObject {
  const bytes =
    typeof value === 'string'
      ? Buffer.from(value, 'utf8')
      : value instanceof Uint8Array
        ? value
        : undefined
  if (bytes === undefined || bytes.byteLength < MIN_CODE_SECRET_BYTES) {
    const got =
      bytes === undefined
        ? value === null
          ? 'null'
          : Array.isArray(value)
            ? 'an array'
            : typeof value
        : `${bytes.byteLength} bytes`
    throw new TypeError(
      `${factory}(): \`${option}\` must be a string or Uint8Array of at least ${MIN_CODE_SECRET_BYTES} bytes; got ${got}. ${HOW_TO_MAKE_ONE}.`,
    )
  }
  // A copy: the caller's buffer may be reused or zeroed later.
  return createSecretKey(Buffer.from(bytes))
}

/**
 * A router's `codeSecret` and `rateLimit` options together, as every router with limiters needs
 * them: the secret's keys (whether a random one will do depends on the store the limits share)
 * and the builder of its limiters, keyed by the current key.
 */
export function resolveSecretAndLimits<Key extends string>(
  given: {
    codeSecret?: unknown
    rateLimit?: false | Partial<Record<Key, LimiterSetting>> | undefined
  },
  store: StateStore | undefined,
  events: { onEvent: OnEvent | undefined; logger: KitLogger },
  factory: string,
): { codeKeys: CodeKeys; limiter: LimiterBuilder<Key> } {
  const codeKeys = resolveCodeSecret(
    given.codeSecret,
    sharedStoreOf(store, given.rateLimit),
    factory,
  )
  const limiter = resolveRateLimits(
    given.rateLimit,
    events.onEvent,
    events.logger,
    factory,
    codeKeys.current,
    store,
  )
  return { codeKeys, limiter }
}
