/**
 * Deadlines on calls the kit does not control (Instant, your email provider). One
 * implementation: every bounded call settles the same way and leaves no timer behind.
 */

/** The longest delay `setTimeout` honours; anything larger fires at once. */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1

/**
 * Validates a timeout option once, at factory time: a positive number of ms that `setTimeout`
 * can honour. `undefined` gives `defaultMs`.
 */
export function resolveTimeoutMs(value: unknown, option: string, defaultMs: number): number {
  if (value === undefined) return defaultMs
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value <= 0 ||
    value > MAX_TIMEOUT_MS
  ) {
    throw new TypeError(
      `\`${option}\` must be a positive number of milliseconds (default ${defaultMs}).`,
    )
  }
  return value
}

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
