/**
 * The demo's todos, as both of its UIs use them (the JSON API and the server-rendered page):
 * the record, the title rule and the reads and writes, always through the user's scoped db so
 * the permission rules (src/demo/rules.ts) decide what each user sees and writes.
 */
import { id, tx } from '../admin/index.js'
import type { InstantScopedDb } from '../index.js'

/** Longest todo title accepted, in characters. */
export const MAX_TODO_TITLE_LENGTH = 200

export interface Todo {
  id: string
  title: string
  ownerId: string
  createdAt: number
}

/** The trimmed title, or `undefined` unless it has 1 to {@link MAX_TODO_TITLE_LENGTH} characters. */
export function todoTitle(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined
  const title = value.trim()
  return title === '' || title.length > MAX_TODO_TITLE_LENGTH ? undefined : title
}

/** The todos the user may see, oldest first. */
export async function listTodos(db: InstantScopedDb): Promise<Todo[]> {
  const { todos } = (await db.query({ todos: {} })) as { todos: Todo[] }
  return todos.sort((a, b) => a.createdAt - b.createdAt)
}

/** Writes a new todo of `ownerId` (the create rule checks it is the user). */
export async function addTodo(db: InstantScopedDb, ownerId: string, title: string): Promise<Todo> {
  const todo: Todo = { id: id(), title, ownerId, createdAt: Date.now() }
  const { id: todoId, ...attrs } = todo
  await db.transact([todoChunk(todoId).update(attrs)])
  return todo
}

/** `tx.todos[todoId]`; with `noUncheckedIndexedAccess` each index may be undefined. */
export function todoChunk(todoId: string) {
  return tx.todos![todoId]!
}
