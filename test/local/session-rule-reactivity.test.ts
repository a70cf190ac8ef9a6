import { randomUUID as id } from 'node:crypto'
import { i } from '@instantdb/core'
import { describe, expect, it } from 'vitest'
import { localInstants } from './helpers.js'
import { nextResult, sdkClient, signInAndWait } from './session-helpers.js'

// todos → project → org: the todos view rule reads the org, two links away from a todo.
const schema = i.schema({
  entities: {
    todos: i.entity({ title: i.string() }),
    projects: i.entity({ name: i.string() }),
    orgs: i.entity({ ownerId: i.string().indexed() }),
    badges: i.entity({ level: i.number() }),
    $users: i.entity({ email: i.string().unique().indexed() }),
  },
  links: {
    todoProject: {
      forward: { on: 'todos', has: 'one', label: 'project' },
      reverse: { on: 'projects', has: 'many', label: 'todos' },
    },
    projectOrg: {
      forward: { on: 'projects', has: 'one', label: 'org' },
      reverse: { on: 'orgs', has: 'many', label: 'projects' },
    },
    userBadge: {
      forward: { on: 'badges', has: 'one', label: 'owner' },
      reverse: { on: '$users', has: 'one', label: 'badge' },
    },
  },
  rooms: {},
})

const rules = {
  todos: { allow: { view: "auth.id in data.ref('project.org.ownerId')" } },
  // Reads through the signed-in user: a badge, two namespaces from projects.
  projects: { allow: { view: "2 in auth.ref('$user.badge.level')" } },
}

const instants = localInstants()

describe('reactivity follows what view rules read', () => {
  it('a write two links away that makes a row visible is pushed live', async () => {
    const { local, db } = await instants.start({ schema, rules })
    const admin: any = db
    const token = await admin.auth.createToken({ email: 'far@example.com' })
    const c = sdkClient(local)
    const user = await signInAndWait(c, token)
    const [todo, project, org] = [id(), id(), id()]
    await admin.transact([
      admin.tx.orgs[org].update({ ownerId: id() }),
      admin.tx.projects[project].update({ name: 'p' }).link({ org }),
      admin.tx.todos[todo].update({ title: 'far away' }).link({ project }),
    ])
    const titles = (r: any) => (r.data?.todos ?? []).map((t: any) => t.title)
    const subscribe = (cb: (r: any) => void) => c.subscribeQuery({ todos: {} }, cb)
    expect(titles(await nextResult(subscribe, (r) => r.data !== undefined))).toEqual([])
    // Only the org changes: neither todos nor projects (one link away) are written.
    const shown = nextResult(subscribe, (r) => titles(r).length === 1)
    await admin.transact(admin.tx.orgs[org].update({ ownerId: user.id }))
    expect(titles(await shown)).toEqual(['far away'])
    c.shutdown()
  })

  it('rules set after a query subscribed are followed too', async () => {
    const { local, db } = await instants.start({ schema, rules: {} })
    const admin: any = db
    const token = await admin.auth.createToken({ email: 'later@example.com' })
    const c = sdkClient(local)
    const user = await signInAndWait(c, token)
    const [project, org] = [id(), id()]
    await admin.transact([
      admin.tx.orgs[org].update({ ownerId: id() }),
      admin.tx.projects[project].update({ name: 'p' }).link({ org }),
      admin.tx.todos[id()].update({ title: 'later' }).link({ project }),
    ])
    const titles = (r: any) => (r.data?.todos ?? []).map((t: any) => t.title)
    const subscribe = (cb: (r: any) => void) => c.subscribeQuery({ todos: {} }, cb)
    // Held for the whole test, so the SDK never removes and re-adds the query (a re-add would
    // read the new rules anyway): the server must follow them on the query it already has.
    const held = subscribe(() => {})
    expect(titles(await nextResult(subscribe, (r) => titles(r).length === 1))).toEqual(['later'])
    const hidden = nextResult(subscribe, (r) => r.data !== undefined && titles(r).length === 0)
    local.setRules(rules)
    await hidden
    const shown = nextResult(subscribe, (r) => titles(r).length === 1)
    await admin.transact(admin.tx.orgs[org].update({ ownerId: user.id }))
    expect(titles(await shown)).toEqual(['later'])
    held()
    c.shutdown()
  })

  it('a write along an auth.ref path is pushed live', async () => {
    const { local, db } = await instants.start({ schema, rules })
    const admin: any = db
    const token = await admin.auth.createToken({ email: 'badge@example.com' })
    const c = sdkClient(local)
    const user = await signInAndWait(c, token)
    const badge = id()
    await admin.transact([
      admin.tx.projects[id()].update({ name: 'gated' }),
      admin.tx.badges[badge].update({ level: 1 }).link({ owner: user.id }),
    ])
    const names = (r: any) => (r.data?.projects ?? []).map((p: any) => p.name)
    const subscribe = (cb: (r: any) => void) => c.subscribeQuery({ projects: {} }, cb)
    expect(names(await nextResult(subscribe, (r) => r.data !== undefined))).toEqual([])
    const shown = nextResult(subscribe, (r) => names(r).length === 1)
    await admin.transact(admin.tx.badges[badge].update({ level: 2 }))
    expect(names(await shown)).toEqual(['gated'])
    c.shutdown()
  })
})
