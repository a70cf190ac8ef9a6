/** Email normalisation: trimmed, lower-cased, shaped like an address (Instant does the same). */

/** RFC 5321 caps a path at 254 octets. */
const MAX_EMAIL_LENGTH = 254

const EMAIL = /^[^\s@"<>()[\],;:\\]+@[^\s@"<>()[\],;:\\]+\.[^\s@"<>()[\],;:\\.]+$/

/** The normalised email, or `undefined` when `input` is not a plausible address. */
export function normalizeEmail(input: unknown): string | undefined {
  if (typeof input !== 'string') return undefined
  const email = input.trim().toLowerCase()
  if (email.length === 0 || email.length > MAX_EMAIL_LENGTH) return undefined
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(email)) return undefined
  return EMAIL.test(email) ? email : undefined
}

/** The domain of a normalised email: what events and logs may show instead of the address. */
export function emailDomain(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1)
}
