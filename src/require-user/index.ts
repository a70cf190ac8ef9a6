/** `requireInstantUser` / `optionalInstantUser`, and `instantHandler` for the routes behind them. */
export { requireInstantUser, optionalInstantUser } from './require-user.js'
export type { InstantUserMiddleware, OptionalInstantRequest } from './require-user.js'
export type { InstantUserOptions } from './options.js'
export { instantHandler } from './instant-handler.js'
export type { InstantHandler, InstantRequest } from './instant-handler.js'
