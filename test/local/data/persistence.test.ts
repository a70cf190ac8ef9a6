import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, expect, test } from 'vitest'
import { makeEngine, uid } from './helpers.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

test('entities, links, attrs and the tx-id counter survive a restart', () => {
  const dir = mkdtempSync(join(tmpdir(), 'local-data-'))
  dirs.push(dir)
  const path = join(dir, 'app.db')

  const first = makeEngine({ path })
  first.tx([
    ['update', 'goals', uid(1), { title: 'persisted', meta: { a: [1, 2] } }],
    ['update', 'todos', uid(2), { title: 'child' }],
    ['link', 'goals', uid(1), { todos: uid(2) }],
  ])
  const lastTx = first.tx([['update', 'goals', uid(1), { done: true }]])['tx-id']
  const before = first.q({ goals: { todos: {} } })
  first.db.close()

  const second = makeEngine({ path })
  expect(second.q({ goals: { todos: {} } })).toEqual(before)
  expect(before.goals[0]).toEqual({
    id: uid(1),
    title: 'persisted',
    meta: { a: [1, 2] },
    done: true,
    todos: [{ id: uid(2), title: 'child' }],
  })
  // Auto-created attrs were persisted: the strict flag finds them.
  expect(
    second.tx([['update', 'goals', uid(1), { title: 'again' }]], undefined, true)['tx-id'],
  ).toBe(lastTx + 1)
  second.db.close()
})
