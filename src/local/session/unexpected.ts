/** What a session sees of an error the code did not expect: Instant's 500, after a log line. */
import { LocalInstantError } from '../errors.js'
import type { LocalInstantLogger } from '../server.js'

/** Logs `err` (its stack stays in the log) and returns the generic error the client is sent. */
export function unexpectedError(logger: LocalInstantLogger, err: unknown): LocalInstantError {
  logger.error(
    `Local Instant: unexpected error in a realtime session: ${
      err instanceof Error ? (err.stack ?? err.message) : String(err)
    }`,
  )
  return new LocalInstantError(500, 'unknown', 'Something went wrong. Sorry about this!')
}
