/**
 * The key under which the magic-code records are written (magic-code-records.ts). A code has 6
 * digits, so anything in the store that an unkeyed function of the code could be checked
 * against gives every pending code to whoever reads the store (a replica, a backup, a `MONITOR`
 * session) in a million tries. The key never enters the store: with `memoryStore()` it is
 * random and lives beside the store, in this process; with a shared store every instance must
 * hold the same one, so the app supplies it.
 */
import { createSecretKey, randomBytes, type KeyObject } from 'node:crypto'
import { isMemoryStore, type StateStore } from '../state-store.js'

/** Least key material of a `codeSecret`, in bytes: HMAC-SHA256's own output size. */
export const MIN_CODE_SECRET_BYTES = 32

/** A `codeSecret`: a string (its UTF-8 bytes are the key) or the bytes themselves. */
export type CodeSecret = string | Uint8Array

const HOW_TO_MAKE_ONE =
  'Make one with `openssl rand -base64 32`, keep it with your other secrets, and give every instance the same value'

/** One random key per memory store, so that routers sharing one store read each other's codes. */
const memoryStoreKeys = new WeakMap<StateStore, KeyObject>()

/**
 * Validates `codeSecret` once, at factory time, and returns the key of `store`'s records. Without
 * a secret, a memory store gets its own random key; any other store is refused, since instances
 * sharing it must share the key and a store reader could otherwise brute-force the codes.
 * Messages never show the secret, only its length.
 */
export function resolveCodeSecret(value: unknown, store: StateStore, factory: string): KeyObject {
  if (value === undefined) {
    if (!isMemoryStore(store)) {
      throw new TypeError(
        `${factory}(): \`codeSecret\` is required with a store other than memoryStore(): instances sharing the store must share the key its magic codes are written under, and without a key whoever can read the store (a replica, a backup, MONITOR) can try all 10^6 codes against it. ${HOW_TO_MAKE_ONE}, e.g. \`codeSecret: process.env.MAGIC_CODE_SECRET\`.`,
      )
    }
    let key = memoryStoreKeys.get(store)
    if (key === undefined) {
      key = createSecretKey(randomBytes(MIN_CODE_SECRET_BYTES))
      memoryStoreKeys.set(store, key)
    }
    return key
  }
  const bytes =
    typeof value === 'string'
      ? Buffer.from(value, 'utf8')
      : value instanceof Uint8Array
        ? value
        : undefined
  if (bytes === undefined || bytes.byteLength < MIN_CODE_SECRET_BYTES) {
    const got =
      bytes === undefined ? (value === null ? 'null' : typeof value) : `${bytes.byteLength} bytes`
    throw new TypeError(
      `${factory}(): \`codeSecret\` must be a string or Uint8Array of at least ${MIN_CODE_SECRET_BYTES} bytes; got ${got}. ${HOW_TO_MAKE_ONE}.`,
    )
  }
  // A copy: the caller's buffer may be reused or zeroed later.
  return createSecretKey(Buffer.from(bytes))
}
