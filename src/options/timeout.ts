/**
 * Deadlines on calls the kit does not control (Instant, your email provider). One
 * implementation: every bounded call settles the same way and leaves no timer behind.
 */

/** The longest delay `setTimeout` honours; anything larger fires at once. */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1

/**
 * Settles like `call`, or rejects with `onTimeout()` after `timeoutMs`. A late rejection of
 * `call` is still handled, so it never becomes an unhandled rejection. One promise and one timer
 * per call (it sits on every verification that misses the cache).
 */
export function withTimeout<T>(
  call: T | Promise<T>,
  timeoutMs: number,
  onTimeout: () => Error,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), timeoutMs)
    Promise.resolve(call).then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error: unknown) => {
        clearTimeout(timer)
        reject(error)
      },
    )
  })
}
