/**
 * Rules that reach across links, through @instantdb/admin: cascaded deletes check each removed
 * entity's `delete` rule, `where` paths only look through viewable entities, and
 * `$users.linkedPrimaryUser` is a real link.
 */
import { i, id, init } from '@instantdb/admin'
import { describe, expect, it } from 'vitest'
import type { LocalInstant, LocalInstantOptions } from 'instant-express-auth/local'
import { linkGuestToAccount, localInstants, rejectionOf } from './helpers.js'

const instants = localInstants()

const schema = i.schema({
  entities: {
    $users: i.entity({ email: i.string().unique().indexed(), nickname: i.string().optional() }),
    lists: i.entity({ name: i.string() }),
    items: i.entity({ text: i.string(), locked: i.boolean().optional() }),
  },
  links: {
    listItems: {
      forward: { on: 'lists', has: 'many', label: 'items' },
      reverse: { on: 'items', has: 'one', label: 'list', onDelete: 'cascade' },
    },
    listOwner: {
      forward: { on: 'lists', has: 'one', label: 'owner' },
      reverse: { on: '$users', has: 'many', label: 'lists' },
    },
  },
  rooms: {},
})

/** Local Instant with this file's schema, and an SDK client typed by it. */
async function start(options: LocalInstantOptions = {}) {
  const { local } = await instants.start({ schema, ...options })
  const { appId, adminToken, apiURI } = local
  return { local, db: init({ appId, adminToken, apiURI, schema }) }
}

async function users(db: any, ...emails: string[]): Promise<{ id: string; token: string }[]> {
  return Promise.all(
    emails.map(async (email) => {
      const token = await db.auth.createToken({ email })
      const user = await db.auth.getUser({ email })
      return { id: user.id as string, token }
    }),
  )
}

describe('cascaded deletes check each entity’s delete rule', () => {
  const rules = {
    items: { allow: { delete: 'data.locked != true || ruleParams.force == true' } },
  }

  it('a denied cascaded entity rolls the whole transaction back', async () => {
    const { db } = await start({ rules })
    const [amy] = await users(db, 'amy@example.com')
    const list = id()
    const [free, locked] = [id(), id()]
    await db.transact([
      db.tx.lists[list]!.update({ name: 'L' }).link({ owner: amy!.id }),
      db.tx.items[free]!.update({ text: 'free' }).link({ list }),
      db.tx.items[locked]!.update({ text: 'locked', locked: true }).link({ list }),
    ])
    const asAmy = db.asUser({ token: amy!.token })
    const err = await rejectionOf(asAmy.transact(asAmy.tx.lists[list]!.delete()))
    expect(err.status).toBe(400)
    expect(err.body).toEqual({
      type: 'permission-denied',
      message: 'Permission denied: not perms-pass?',
      hint: {
        input: ['items', 'object'],
        expected: 'perms-pass?',
        etype: 'items',
        action: 'delete',
        rule: 'data.locked != true || ruleParams.force == true',
        'rule-path': ['items', 'allow', 'delete'],
      },
    })
    const after = await db.query({ lists: { items: {} } })
    expect(after.lists).toHaveLength(1)
    expect(after.lists[0]!.items).toHaveLength(2)

    // Rule params given to the deleted entity reach the cascaded ones, as in Instant.
    await asAmy.transact(asAmy.tx.lists[list]!.ruleParams({ force: true }).delete())
    expect(await db.query({ lists: {}, items: {} })).toEqual({ lists: [], items: [] })
  })

  it('admins are not checked', async () => {
    const { db } = await start({ rules })
    const list = id()
    await db.transact([
      db.tx.lists[list]!.update({ name: 'L' }),
      db.tx.items[id()]!.update({ text: 'x', locked: true }).link({ list }),
    ])
    await db.transact(db.tx.lists[list]!.delete())
    expect((await db.query({ items: {} })).items).toEqual([])
  })
})

describe('view rules limit what a where path looks through', () => {
  const rules = {
    lists: { allow: { view: "data.name != 'secret'" } },
  }

  it('a link to an entity the caller cannot view does not match', async () => {
    const { db } = await start({ rules })
    const [amy, bob] = await users(db, 'amy@example.com', 'bob@example.com')
    const [mine, secret, open] = [id(), id(), id()]
    await db.transact([
      db.tx.lists[mine]!.update({ name: 'mine' }).link({ owner: amy!.id }),
      db.tx.lists[secret]!.update({ name: 'secret' }),
      db.tx.items[id()]!.update({ text: 'in mine' }).link({ list: mine }),
      db.tx.items[id()]!.update({ text: 'in secret' }).link({ list: secret }),
      db.tx.items[id()]!.update({ text: 'in open' }).link({ list: open }),
      db.tx.lists[open]!.update({ name: 'open' }),
    ])
    const asBob = db.asUser({ token: bob!.token })
    const texts = async (where: Record<string, unknown>, who: any = asBob) =>
      (await who.query({ items: { $: { where } } })).items.map((x: any) => x.text).sort()

    // Bob cannot view amy's $users entity (default rule), so her email does not match for him.
    expect(await texts({ 'list.owner.email': 'amy@example.com' })).toEqual([])
    expect(await texts({ 'list.owner.email': 'amy@example.com' }, db)).toEqual(['in mine'])
    expect(
      await texts({ 'list.owner.email': 'amy@example.com' }, db.asUser({ token: amy!.token })),
    ).toEqual(['in mine'])
    // The secret list is invisible: neither its name nor its id can be matched through.
    expect(await texts({ 'list.name': 'secret' })).toEqual([])
    expect(await texts({ list: secret })).toEqual([])
    expect(await texts({ 'list.name': { $in: ['secret', 'open'] } })).toEqual(['in open'])
    // A path through a namespace with a view rule ($users always has one) needs a viewable
    // entity on it, so `$isNull` does not match through an owner bob cannot see, nor no owner.
    expect(await texts({ 'list.owner.email': { $isNull: true } })).toEqual([])
    expect(await texts({ 'list.owner.email': { $isNull: true } }, db)).toEqual([
      'in open',
      'in secret',
    ])
    // Nested forms apply the same limit.
    const nested = await asBob.query({
      lists: { $: { where: { name: 'mine' } }, items: { $: { where: { 'list.name': 'mine' } } } },
    })
    expect(nested.lists[0]!.items.map((x: any) => x.text)).toEqual(['in mine'])
  })
})

describe('$users.linkedPrimaryUser is a link', () => {
  async function linkedPair(local: LocalInstant, db: Parameters<typeof linkGuestToAccount>[1]) {
    const { main, guest, verified } = await linkGuestToAccount(local, db, 'main@example.com')
    expect(verified.status).toBe(200)
    return { main, guest }
  }

  it('queries follow it both ways', async () => {
    // Without a schema: the SDK would refuse a link the schema does not declare.
    const { local, db } = await instants.start()
    const { main, guest } = await linkedPair(local, db)
    const fromGuest = await db.query({
      $users: { $: { where: { id: guest.id } }, linkedPrimaryUser: {} },
    })
    expect(fromGuest.$users[0]!.linkedPrimaryUser).toEqual([
      { id: main.id, email: 'main@example.com' },
    ])
    const fromMain = await db.query({
      $users: { $: { where: { id: main.id } }, linkedGuestUsers: {} },
    })
    expect(fromMain.$users[0]!.linkedGuestUsers).toEqual([{ id: guest.id, type: 'guest' }])
    const byPath = await db.query({
      $users: { $: { where: { 'linkedPrimaryUser.email': 'main@example.com' } } },
    })
    expect(byPath.$users.map((u: any) => u.id)).toEqual([guest.id])
  })

  it('the default $users rules let the primary user view and update its guests', async () => {
    const { local, db } = await start()
    const { main, guest } = await linkedPair(local, db)
    const [other] = await users(db, 'other@example.com')
    const ids = async (who: any) =>
      (await who.query({ $users: {} })).$users.map((u: any) => u.id).sort()
    expect(await ids(db.asUser({ token: main.token }))).toEqual([main.id, guest.id].sort())
    expect(await ids(db.asUser({ token: guest.token }))).toEqual([guest.id])
    expect(await ids(db.asUser({ token: other!.token }))).toEqual([other!.id])

    const asMain = db.asUser({ token: main.token })
    await asMain.transact(asMain.tx.$users[guest.id]!.update({ nickname: 'kid' }))
    expect(((await db.auth.getUser({ id: guest.id })) as any).nickname).toBe('kid')
    const asOther = db.asUser({ token: other!.token })
    const denied = await rejectionOf(
      asOther.transact(asOther.tx.$users[guest.id]!.update({ nickname: 'x' })),
    )
    expect(denied.body.type).toBe('permission-denied')
  })

  it('a schema that declares it (as instant-cli pull writes) keeps the system link', async () => {
    const withLink = i.schema({
      entities: { $users: i.entity({ email: i.string().unique().indexed() }) },
      links: {
        $usersLinkedPrimaryUser: {
          forward: { on: '$users', has: 'one', label: 'linkedPrimaryUser', onDelete: 'cascade' },
          reverse: { on: '$users', has: 'many', label: 'linkedGuestUsers' },
        },
      },
      rooms: {},
    })
    const { local } = await instants.start({ schema: withLink })
    const { appId, adminToken, apiURI } = local
    const db = init({ appId, adminToken, apiURI, schema: withLink })
    const { main, guest } = await linkedPair(local, db)
    const res = await db.query({ $users: { $: { where: { id: main.id } }, linkedGuestUsers: {} } })
    expect(res.$users[0]!.linkedGuestUsers.map((u) => u.id)).toEqual([guest.id])
  })

  it('only admins link it; deleting the primary user cascades to its guests', async () => {
    const { local, db } = await instants.start()
    const { main, guest } = await linkedPair(local, db)
    const asGuest = db.asUser({ token: guest.token })
    const err = await rejectionOf(
      asGuest.transact((asGuest.tx as any).$users[guest.id].unlink({ linkedPrimaryUser: main.id })),
    )
    expect(err.body.message).toBe(
      'Validation failed for tx-step: The `linkedPrimaryUser` attribute of $users is a system attribute. Only admins can change it.',
    )
    await db.transact((db.tx as any).$users[main.id].delete())
    expect(await db.auth.getUser({ id: guest.id })).toBeNull()
    expect(await rejectionOf(db.auth.verifyToken(guest.token))).toMatchObject({ status: 400 })
  })
})
