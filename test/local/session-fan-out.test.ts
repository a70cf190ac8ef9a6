/**
 * The fan-out never stalls the server: one session's heavy recomputation runs in slices that
 * yield to the event loop, taking turns with the other sessions. While a guest's hundreds of
 * live scans are recomputed, another client's push arrives and an HTTP request is answered.
 * Order of arrival is asserted, not time.
 */
import { randomUUID } from 'node:crypto'
import { id } from '@instantdb/core'
import { describe, expect, it } from 'vitest'
import { createTestHub } from './hub-helpers.js'
import { localInstants } from './helpers.js'
import { nextResult, rawSession, sdkClient } from './session-helpers.js'

const instants = localInstants()

const ROWS = 2_000
const SCANS = 150

describe('fan-out', () => {
  it(
    'a push and an HTTP answer arrive while another session’s heavy fan-out runs',
    { timeout: 60_000 },
    async () => {
      const { local, db } = await instants.start()
      const admin: any = db
      for (let start = 0; start < ROWS; start += 500) {
        const steps = []
        for (let n = start; n < start + 500; n++) {
          steps.push(admin.tx.big[id()].update({ title: `row ${n}`, n }))
        }
        await admin.transact(steps)
      }
      // The heavy guest: distinct scans of the whole namespace, each matching one row.
      const heavy = await rawSession(local)
      heavy.send({ op: 'init', 'app-id': local.appId })
      await heavy.next((m) => m.op === 'init-ok')
      for (let k = 0; k < SCANS; k++) {
        heavy.send({
          op: 'add-query',
          q: { big: { $: { where: { title: { $like: `%w ${k}` } } } } },
        })
      }
      await heavy.next(
        (m) => m.op === 'add-query-ok' && m.q.big.$.where.title.$like === `%w ${SCANS - 1}`,
      )
      const light = sdkClient(local)
      try {
        await light.queryOnce({ small: {} })
        const events: string[] = []
        heavy.next((m) => m.op === 'refresh-ok').then(() => events.push('heavy refresh-ok'))
        const pushed = nextResult(
          (cb) => light.subscribeQuery({ small: {} }, cb),
          (r: any) => r.data?.small.length === 1,
        )
        await nextResult(
          (cb) => light.subscribeQuery({ small: {} }, cb),
          (r: any) => r.data !== undefined,
        )
        const before = local.stats().recomputations

        // Every scan must be recomputed for this write (none has a topic).
        await admin.transact(admin.tx.big[id()].update({ title: 'row new', n: -1 }))
        await admin.transact(admin.tx.small[id()].update({ v: 1 }))
        await pushed
        events.push('light push')
        const res = await fetch(`${local.apiURI}/admin/query?app_id=${local.appId}`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${local.adminToken}`,
            'app-id': local.appId,
          },
          body: JSON.stringify({ query: { small: {} } }),
        })
        expect(res.status).toBe(200)
        events.push('http answer')
        await heavy.next((m) => m.op === 'refresh-ok')
        await new Promise((resolve) => setImmediate(resolve))
        expect(events).toEqual(['light push', 'http answer', 'heavy refresh-ok'])
        // The heavy session's scans were each recomputed once, for both writes.
        expect(local.stats().recomputations - before).toBeGreaterThanOrEqual(SCANS)
        expect(local.stats().recomputations - before).toBeLessThanOrEqual(SCANS + 2)
      } finally {
        light.shutdown()
        heavy.destroy()
      }
    },
  )

  it('coalesces: a query dirtied by several commits is recomputed once', async () => {
    const { appId, engine, hub } = createTestHub()
    try {
      const sent: any[] = []
      const handlers = hub.connect({ send: (t) => sent.push(JSON.parse(t)), close: () => {} })
      const send = (msg: Record<string, unknown>) =>
        handlers.message(JSON.stringify({ 'client-event-id': randomUUID(), ...msg }))
      engine.transact({ steps: [['update', 'todos', randomUUID(), { n: 0 }]] }, { kind: 'admin' })
      send({ op: 'init', 'app-id': appId })
      send({ op: 'add-query', q: { todos: {} } })
      await new Promise((resolve) => setImmediate(resolve))
      const before = hub.stats().recomputations
      let txId = 0
      for (let n = 1; n <= 3; n++) {
        txId = engine.transact(
          { steps: [['update', 'todos', randomUUID(), { n }]] },
          { kind: 'admin' },
        )['tx-id']
      }
      await new Promise((resolve) => setImmediate(resolve))
      expect(hub.stats().recomputations - before).toBe(1)
      const refreshes = sent.filter((m) => m.op === 'refresh-ok')
      expect(refreshes).toHaveLength(1)
      expect(refreshes[0]['processed-tx-id']).toBe(txId)
    } finally {
      hub.close()
    }
  })
})
