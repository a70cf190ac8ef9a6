// The example app's schema, as `npx instant-cli init` writes one.
import { i } from '@instantdb/core'

const _schema = i.schema({
  entities: {
    $users: i.entity({ email: i.string().unique().indexed().optional() }),
    todos: i.entity({ title: i.string(), ownerId: i.string().indexed() }),
  },
  links: {},
})

type _AppSchema = typeof _schema
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- the shape instant-cli writes
interface AppSchema extends _AppSchema {}
const schema: AppSchema = _schema

export type { AppSchema }
export default schema
