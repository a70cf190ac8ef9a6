/** sha256 of tokens and codes: the only form in which Local Instant stores them. */
import { hash } from 'node:crypto'

/**
 * sha256 hex. One-shot `crypto.hash` (every Node the engines field allows has it) is markedly
 * cheaper than createHash on the hot path.
 */
export function sha256Hex(value: string): string {
  return hash('sha256', value, 'hex')
}
