/**
 * The two undici classes the client uses, `Pool` and `Dispatcher`, loaded from their own modules
 * in undici's package instead of its entry point. `import { Pool } from 'undici'` evaluates all
 * of undici (fetch, WebSocket, EventSource, caches, mocks, proxies): about 5 MB of heap in every
 * process that makes a client, where these two need 1.7 MB. A heap that size is not free when
 * the client is idle: V8's major GC marks all of it, so a server that only verifies tokens from
 * its cache paid for it on every request (docs/performance.md, "Hot path, fourth look").
 *
 * undici (a CommonJS package without an `exports` map) keeps them in `lib/dispatcher/`, and its
 * entry point re-exports these very modules, so the classes are the ones `import 'undici'`
 * gives: `instanceof` holds across both, and a `MockAgent` passes as a dispatcher. Should an
 * undici release move them, the entry point is loaded instead (the client works as before, with
 * the larger heap); a test checks that the files are still where this looks.
 */
import { createRequire } from 'node:module'
import type * as Undici from 'undici'

const require = createRequire(import.meta.url)

/**
 * `undici/lib/dispatcher/<file>` when it is the named class, else the entry point's export.
 * `from` is the `require` to load with (a test's, to see the fallback).
 */
export function loadUndiciClass<Name extends 'Pool' | 'Dispatcher'>(
  file: string,
  name: Name,
  from: (id: string) => unknown = require,
): (typeof Undici)[Name] {
  try {
    const loaded = from(`undici/lib/dispatcher/${file}`)
    if (typeof loaded === 'function' && loaded.name === name) {
      return loaded as (typeof Undici)[Name]
    }
  } catch {
    // Moved in this undici release: fall through to the entry point.
  }
  return (from('undici') as typeof Undici)[name]
}

export const Dispatcher = loadUndiciClass('dispatcher.js', 'Dispatcher')
export const Pool = loadUndiciClass('pool.js', 'Pool')
export type Pool = Undici.Pool
