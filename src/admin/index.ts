/**
 * `instant-express-auth/admin`: a minimal, fast admin client for InstantDB that speaks the same
 * HTTP API as `@instantdb/admin` 1.0.67, over one keep-alive undici pool.
 *
 * @example
 * ```ts
 * import { init, id, lookup, tx, InstantAPIError } from 'instant-express-auth/admin'
 * const db = init({ appId, adminToken, apiURI })
 * ```
 *
 * @packageDocumentation
 */
export { init } from './client.js'
export { id } from './id.js'
export { lookup } from './lookup.js'
export { tx } from './tx.js'
export {
  InstantAPIError,
  InstantTransportError,
  isInstantAPIError,
  isInstantTransportError,
} from './errors.js'
export type {
  AsUserOptions,
  InstantAdminDatabase,
  QueryOptions,
  TransactOptions,
  TransactResult,
} from './client.js'
export type { InstantAdminAuth } from './auth.js'
export type {
  DebugCheckResult,
  DebugQueryOptions,
  DebugTransactCheck,
  DebugTransactOptions,
  DebugTransactResult,
} from './debug.js'
export type { InitConfig } from './options.js'
export type { User, UserLookup, RequestOptions } from './user.js'
export type {
  InstantAPIErrorJSON,
  InstantErrorBody,
  InstantIssue,
  InstantTransportErrorCode,
} from './errors.js'
export type {
  TransactionChunk,
  TransactInput,
  TxBuilder,
  TxStep,
  TxAction,
  TxEntityId,
  UpdateOpts,
  NamespaceChunks,
} from './tx.js'
export type {
  SchemaLike,
  EntityDefLike,
  AttrDefLike,
  LinkAttrDefLike,
  QueryResult,
  QueryClause,
  ValidQuery,
  EntityRow,
  UntypedRow,
  RuleParams,
  UpdateParams,
  LinkParams,
} from './schema-types.js'
