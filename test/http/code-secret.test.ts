import { describe, expect, it } from 'vitest'
import {
  MIN_CODE_SECRET_BYTES,
  resolveCodeSecret as resolveKeys,
  sharedStoreOf,
} from '../../src/http/code-secret.js'
import { memoryStore, type StateStore } from '../../src/state-store.js'

const SECRET = 'q3Jx0b2Rk7dVwz9mY1tQe4uN8sLpA6cH5fG0iK2jM3o=' // 44 bytes, as `openssl rand -base64 32` prints

/** A store of this process that is not `memoryStore()` itself, as a Redis store would be. */
function otherStore(): StateStore {
  return { ...memoryStore() }
}

/** The current key of `value` for a router whose only store is `store`. */
function resolveCodeSecret(value: unknown, store: StateStore, factory: string) {
  return resolveKeys(value, sharedStoreOf(store, undefined), factory).current
}

describe('resolveCodeSecret', () => {
  it('a memory store needs no secret: one random key per store, shared by its routers', () => {
    const store = memoryStore()
    const key = resolveCodeSecret(undefined, store, 'magicCodeRouter')
    expect(key.symmetricKeySize).toBe(MIN_CODE_SECRET_BYTES)
    expect(resolveCodeSecret(undefined, store, 'magicCodeRouter')).toBe(key)
    expect(resolveCodeSecret(undefined, memoryStore(), 'magicCodeRouter').equals(key)).toBe(false)
  })

  it('any other store, a spread copy of a memory store included, requires one, saying why and how', () => {
    expect(() => resolveCodeSecret(undefined, otherStore(), 'magicCodeRouter')).toThrow(
      new TypeError(
        'magicCodeRouter(): `codeSecret` is required with a store other than memoryStore(): instances sharing the store must share the key its magic codes are written under, and without a key whoever can read the store (a replica, a backup, MONITOR) can try all 10^6 codes against it. Make one with `openssl rand -base64 32`, keep it with your other secrets, and give every instance the same value, e.g. `codeSecret: process.env.MAGIC_CODE_SECRET`.',
      ),
    )
    expect(resolveCodeSecret(SECRET, otherStore(), 'magicCodeRouter').symmetricKeySize).toBe(44)
  })

  it('a short or mistyped secret throws without showing it', () => {
    const short = 'hunter2-but-longer-0123456789ab' // 31 bytes
    const expected = (got: string) =>
      new TypeError(
        `magicCodeRouter(): \`codeSecret\` must be a string or Uint8Array of at least 32 bytes; got ${got}. Make one with \`openssl rand -base64 32\`, keep it with your other secrets, and give every instance the same value.`,
      )
    expect(() => resolveCodeSecret(short, otherStore(), 'magicCodeRouter')).toThrow(
      expected('31 bytes'),
    )
    expect(() => resolveCodeSecret(new Uint8Array(16), memoryStore(), 'magicCodeRouter')).toThrow(
      expected('16 bytes'),
    )
    expect(() => resolveCodeSecret(12345, otherStore(), 'magicCodeRouter')).toThrow(
      expected('number'),
    )
    expect(() => resolveCodeSecret(null, otherStore(), 'magicCodeRouter')).toThrow(expected('null'))
    // UTF-8 bytes count: 16 two-byte characters are 32 bytes.
    expect(resolveCodeSecret('é'.repeat(16), otherStore(), 'f').symmetricKeySize).toBe(32)
  })

  it('copies the bytes: zeroing the caller buffer later changes nothing', () => {
    const bytes = new Uint8Array(32).fill(7)
    const key = resolveCodeSecret(bytes, otherStore(), 'f')
    bytes.fill(0)
    expect(key.export()).toEqual(Buffer.alloc(32, 7))
  })

  it('an array rotates: the first key writes, every key reads; its length and entries are checked', () => {
    const previous = 'p'.repeat(40)
    const keys = resolveKeys([SECRET, previous], sharedStoreOf(otherStore(), undefined), 'f')
    expect(keys.current.export().toString()).toBe(SECRET)
    expect(keys.all.map((key) => key.export().toString())).toEqual([SECRET, previous])
    const single = resolveKeys(SECRET, sharedStoreOf(otherStore(), undefined), 'f')
    expect(single.all).toEqual([single.current])
    expect(() => resolveKeys([], sharedStoreOf(otherStore(), undefined), 'f')).toThrow(
      new TypeError(
        'f(): `codeSecret` must be a key or an array of 1 to 4 keys ([current, ...previous]); got 0 keys.',
      ),
    )
    expect(() =>
      resolveKeys(Array(5).fill(SECRET), sharedStoreOf(otherStore(), undefined), 'f'),
    ).toThrow('got 5 keys')
    expect(() =>
      resolveKeys([SECRET, 'short'], sharedStoreOf(otherStore(), undefined), 'f'),
    ).toThrow(
      new TypeError(
        'f(): `codeSecret[1]` must be a string or Uint8Array of at least 32 bytes; got 5 bytes. Make one with `openssl rand -base64 32`, keep it with your other secrets, and give every instance the same value.',
      ),
    )
    expect(() => resolveKeys([[SECRET]], sharedStoreOf(otherStore(), undefined), 'f')).toThrow(
      '`codeSecret[0]` must be a string or Uint8Array of at least 32 bytes; got an array.',
    )
  })

  it('a limiter with its own store requires a secret, even beside a memory store', () => {
    const shared = sharedStoreOf(memoryStore(), { sendsPerIp: {}, sendsPerEmail: { store: {} } })
    expect(shared).toEqual({ kind: 'limiter', option: 'rateLimit.sendsPerEmail' })
    expect(() => resolveKeys(undefined, shared, 'signInRouter')).toThrow(
      new TypeError(
        'signInRouter(): `codeSecret` is required when `rateLimit.sendsPerEmail` has its own `store`: instances sharing it must share the key its emails and IPs are written under, and without a key whoever can read that store could test a list of emails against it. Make one with `openssl rand -base64 32`, keep it with your other secrets, and give every instance the same value, e.g. `codeSecret: process.env.MAGIC_CODE_SECRET`.',
      ),
    )
    expect(resolveKeys(SECRET, shared, 'signInRouter').all).toHaveLength(1)
    // No store at all (signInRouter's default): a random key per router.
    const none = sharedStoreOf(undefined, { failuresPerIp: { limit: 3 } })
    expect(none).toEqual({ kind: 'none' })
    const a = resolveKeys(undefined, none, 'signInRouter').current
    expect(a.equals(resolveKeys(undefined, none, 'signInRouter').current)).toBe(false)
  })
})
