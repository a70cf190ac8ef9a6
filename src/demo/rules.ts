/**
 * The demo's permission rules (Instant's JSON format, CEL expressions): a todo carries its
 * owner's user id in `ownerId`, and only that user can see, create, change or delete it.
 * Against a real Instant app, paste these into the dashboard's Permissions tab.
 */
export const DEMO_RULES = {
  todos: {
    allow: {
      view: 'auth.id != null && auth.id == data.ownerId',
      create: 'auth.id != null && auth.id == newData.ownerId',
      update: 'auth.id != null && auth.id == data.ownerId && auth.id == newData.ownerId',
      delete: 'auth.id != null && auth.id == data.ownerId',
    },
  },
} as const
