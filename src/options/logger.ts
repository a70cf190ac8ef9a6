/**
 * The one logger shape of the whole package: the kit (routers, middleware, error handler), the
 * email providers and Local Instant all take an object with these methods (`console`, pino and
 * winston fit as they are). Each part asks only for the levels it writes, as a `Pick` of this.
 */
export interface Logger {
  info(message: string): void
  warn(message: string): void
  error(message: string): void
}
