/** sha256 of tokens and codes: the only form in which Local Instant stores them. */
import * as nodeCrypto from 'node:crypto'
import { createHash } from 'node:crypto'

/** One-shot `crypto.hash` (Node ≥ 20.12) is markedly cheaper than createHash on the hot path. */
const oneShotHash = (nodeCrypto as { hash?: (alg: string, data: string, enc: 'hex') => string })
  .hash

/** sha256 hex. */
export function sha256Hex(value: string): string {
  return oneShotHash !== undefined
    ? oneShotHash('sha256', value, 'hex')
    : createHash('sha256').update(value).digest('hex')
}
