/** Temporary projects holding real `instant.schema.ts` / `instant.perms.ts` files. */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const NODE_MODULES = resolve(dirname(fileURLToPath(import.meta.url)), '../../node_modules')

/** The schema file `instant-cli init` writes, trimmed to one entity. */
export const SCHEMA_TS = `import { i } from '@instantdb/core'

const _schema = i.schema({
  entities: {
    $users: i.entity({ email: i.string().unique().indexed().optional() }),
    todos: i.entity({ title: i.string(), done: i.boolean().optional() }),
  },
  links: {
    todoOwner: {
      forward: { on: 'todos', has: 'one', label: 'owner' },
      reverse: { on: '$users', has: 'many', label: 'todos' },
    },
  },
})

type _AppSchema = typeof _schema
interface AppSchema extends _AppSchema {}
const schema: AppSchema = _schema

export type { AppSchema }
export default schema
`

/** A perms file in the shape `instant-cli init` writes. */
export const PERMS_TS = `import type { InstantRules } from '@instantdb/core'

const rules = {
  todos: {
    allow: {
      view: 'auth.id != null',
      create: 'auth.id != null',
      update: 'auth.id in data.ref("owner.id")',
      delete: 'false',
    },
  },
} satisfies InstantRules

export default rules
`

/** A folder in the OS temp dir with `node_modules` linked, so `@instantdb/core` resolves. */
export function tempProject(): {
  dir: string
  write(path: string, text: string): string
  remove(): void
} {
  const dir = mkdtempSync(join(tmpdir(), 'instant-project-'))
  symlinkSync(NODE_MODULES, join(dir, 'node_modules'), 'dir')
  return {
    dir,
    write(path, text) {
      const file = join(dir, path)
      mkdirSync(dirname(file), { recursive: true })
      writeFileSync(file, text)
      return file
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  }
}
