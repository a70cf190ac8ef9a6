/**
 * A project's own `instant.schema.ts` and `instant.perms.ts`: finding them as Instant's CLI
 * does, loading them (TypeScript included), and naming the file (and the rule) in every error.
 * Used by `startLocalInstant({ schemaFile, rulesFile })`, the CLI and the testing entry.
 */
export { findProjectFile, findProjectFiles } from './find-files.js'
export type { FindProjectFileOptions, ProjectFileKind, ProjectFiles } from './find-files.js'
export { loadDefaultExport, projectFileError } from './load-module.js'
export type { LoadModuleDeps, ProjectFileError, JitiModule } from './load-module.js'
export { applyFromFile, loadRulesFile, loadSchemaFile } from './load-files.js'
