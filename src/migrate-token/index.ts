/** `tokenMigrationRouter`: swaps a token of the backend an app leaves for one of its new backend. */
export { tokenMigrationRouter } from './token-migration-router.js'
export type { TokenMigrationRouterOptions } from './options.js'
