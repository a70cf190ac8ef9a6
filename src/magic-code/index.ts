/** `magicCodeRouter`: Instant's magic codes, sent by the app's own email. */
export { magicCodeRouter } from './magic-code-router.js'
export type { MagicCodeRouterOptions, MagicCodeEmail } from './options.js'
export type { CodeSecret, CodeSecretKey } from '../http/code-secret.js'
