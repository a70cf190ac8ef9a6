// The example app's rules: anyone signed in reads todos; only the owner changes or deletes one.
import type { InstantRules } from '@instantdb/core'

const rules = {
  todos: {
    allow: {
      view: 'auth.id != null',
      create: 'auth.id != null && newData.ownerId == auth.id',
      update: 'auth.id == data.ownerId',
      delete: 'auth.id == data.ownerId',
    },
  },
} satisfies InstantRules

export default rules
