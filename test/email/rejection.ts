import { isEmailProviderError, type EmailProviderError } from '../../src/email/index.js'

/** The EmailProviderError `promise` rejects with; anything else fails the test. */
export async function rejection(promise: Promise<unknown>): Promise<EmailProviderError> {
  try {
    await promise
  } catch (err) {
    if (isEmailProviderError(err)) return err
    throw err
  }
  throw new Error('expected a rejection')
}
