/**
 * The two undici classes the client uses, `Pool` and `Dispatcher`, imported from their own
 * modules in undici's package instead of its entry point. `import { Pool } from 'undici'`
 * evaluates all of undici (fetch, WebSocket, EventSource, caches, mocks, proxies): about 5 MB of
 * heap in every process that makes a client, where these two need 1.7 MB. A heap that size is
 * not free when the client is idle: V8's major GC marks all of it, so a server that only verifies
 * tokens from its cache paid for it on every request (docs/performance.md, "Hot path, fourth
 * look").
 *
 * undici (a CommonJS package without an `exports` map) keeps them in `lib/dispatcher/`, and its
 * entry point re-exports these very modules, so the classes are the ones `import 'undici'`
 * gives: `instanceof` holds across both, and a `MockAgent` passes as a dispatcher. The imports
 * are static so that bundlers (esbuild, webpack) include them. The paths are undici 7's layout.
 * An undici release that moved them would break this import; `test/admin/undici.test.ts` checks
 * them against the installed undici, so updating the lockfile to such a release fails our tests.
 */
import type * as Undici from 'undici'
import UndiciDispatcher from 'undici/lib/dispatcher/dispatcher.js'
import UndiciPool from 'undici/lib/dispatcher/pool.js'

export const Dispatcher: typeof Undici.Dispatcher = UndiciDispatcher
export const Pool: typeof Undici.Pool = UndiciPool
export type Pool = Undici.Pool
