/** `signOutRouter`: revokes the token at Instant and evicts it from every verify cache. */
export { signOutRouter } from './sign-out-router.js'
export type { SignOutRouterOptions } from './options.js'
