/// <reference lib="dom" />
/**
 * The demo page's todos, in the browser, on `@instantdb/core` as the seed's frontend does:
 * after the kit's `/sign-in` (or magic code) hands the page a token, `signInWithToken`, a live
 * query of the user's todos, and writes with `transact`; every tab sees changes as they happen.
 * Bundled by esbuild (src/demo/bundle.ts) into `/todos.js`; the page script (page.ts) drives it
 * through `window.demoTodos`.
 */
import { id, init } from '@instantdb/core'

interface Todo {
  id: string
  title: string
  ownerId: string
  createdAt: number
}

interface DemoTodos {
  /** Signs the SDK in with the kit's token and starts the live list for `userId`. */
  start(token: string, userId: string): Promise<void>
  /** Stops the live list and signs the SDK out. */
  stop(): Promise<void>
  add(title: string): Promise<void>
  remove(todoId: string): Promise<void>
}

declare global {
  interface Window {
    demoTodos: DemoTodos
  }
}

const $ = (elementId: string): HTMLElement => document.getElementById(elementId) as HTMLElement
const config = document.body.dataset
const db = init({
  appId: config['appId'] as string,
  apiURI: config['apiUri'] as string,
  websocketURI: config['websocketUri'] as string,
})

let ownerId: string | undefined
let unsubscribe: (() => void) | undefined

function renderTodos(todos: Todo[]): void {
  const list = $('todo-list')
  list.replaceChildren(
    ...todos.map((todo) => {
      const item = document.createElement('li')
      item.dataset['testid'] = 'todo-item'
      item.dataset['id'] = todo.id
      const title = document.createElement('span')
      title.textContent = todo.title
      const remove = document.createElement('button')
      remove.type = 'button'
      remove.className = 'danger'
      remove.textContent = 'Delete'
      remove.dataset['testid'] = 'delete-todo'
      remove.addEventListener('click', () => void window.demoTodos.remove(todo.id))
      item.append(title, remove)
      return item
    }),
  )
  $('todo-empty').hidden = todos.length > 0
  document.body.dataset['todos'] = 'live'
}

function showError(message: string): void {
  const box = $('error')
  box.textContent = message
  box.hidden = false
}

window.demoTodos = {
  async start(token, userId) {
    ownerId = userId
    const current = await db.getAuth()
    if (current?.refresh_token !== token) await db.auth.signInWithToken(token)
    unsubscribe?.()
    // The view rule already limits this to the user's own todos; the where says so too.
    unsubscribe = db.subscribeQuery({ todos: { $: { where: { ownerId: userId } } } }, (resp) => {
      if (resp.error) showError(resp.error.message)
      else if (resp.data) {
        const todos = resp.data.todos as unknown as Todo[]
        renderTodos([...todos].sort((a, b) => a.createdAt - b.createdAt))
      }
    })
  },
  async stop() {
    unsubscribe?.()
    unsubscribe = undefined
    ownerId = undefined
    $('todo-list').replaceChildren()
    delete document.body.dataset['todos']
    // The kit's /sign-out has revoked the token; this only clears the SDK's copy.
    await db.auth.signOut().catch(() => {})
  },
  async add(title) {
    if (ownerId === undefined) return
    const todo = { title, ownerId, createdAt: Date.now() }
    await db.transact(db.tx['todos']![id()]!.update(todo))
  },
  async remove(todoId) {
    await db.transact(db.tx['todos']![todoId]!.delete())
  },
}
