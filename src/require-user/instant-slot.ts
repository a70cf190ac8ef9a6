/**
 * Where `req.instant` is stored. Express gives every request its app's prototype
 * (`Object.setPrototypeOf(req, app.request)`), and V8 caches no hidden-class transition for a
 * property added after that: each `req.instant = …` built a new hidden class for that one
 * request, a map and a copy of its ~30 property descriptors (about 1.2 KB of old-space memory
 * per request, +1,100–1,500 bytes allocated per request by the `bare-setprop` variant of
 * bench/diagnostics/app-variants.js against `bare`, and the extra major GCs that come with it).
 *
 * So on Express the kit stores the value in a side table and reads it through an accessor on
 * Express's request prototype, `express.request`, the object Express documents for extending
 * requests: the request object keeps its shape, `req.instant` reads and assigns as before (an
 * assignment by the app or a test goes through the same table). The accessor sits on the object
 * every Express app's requests inherit from, sub-apps included, so the value stays visible after a
 * sub-app hands the request back to its parent. Elsewhere (Connect, a plain `node:http` request, a
 * test's object) nothing is installed and `req.instant` is an ordinary own property.
 */
import { IncomingMessage } from 'node:http'
import type { InstantContext } from '../instant/instant-context.js'

type Slot = InstantContext | null | undefined

const values = new WeakMap<object, Slot>()
/** Request prototypes (an app's `app.request`) whose chain carries our accessor. */
const ready = new WeakSet<object>()

const accessor = {
  configurable: true,
  enumerable: false,
  get(this: object): Slot {
    return values.get(this)
  },
  set(this: object, value: Slot): void {
    values.set(this, value)
  },
} satisfies PropertyDescriptor

/**
 * Installs the accessor on the prototype right above `IncomingMessage.prototype` in `proto`'s
 * chain (Express's `request`) and remembers `proto` as ready. Never touches
 * `IncomingMessage.prototype` itself, nor an `instant` of someone else's.
 */
function install(proto: object): void {
  if (proto === IncomingMessage.prototype) return
  let base = proto
  for (;;) {
    const parent = Object.getPrototypeOf(base) as object | null
    if (parent === IncomingMessage.prototype) break
    // An `instant` between the request and `base` would hide the accessor.
    if (parent === null || Object.hasOwn(base, 'instant')) return
    base = parent
  }
  const existing = Object.getOwnPropertyDescriptor(base, 'instant')
  if (existing === undefined) Object.defineProperty(base, 'instant', accessor)
  else if (existing.get !== accessor.get) return
  ready.add(proto)
}

/**
 * `req.instant = value`. On a request whose prototype is known to carry the accessor the value
 * goes straight to the table: an assignment would be one more uncached property lookup on a
 * request whose hidden class is new (reading `Object.getPrototypeOf` is not a property lookup).
 */
export function setInstant(
  req: { instant?: InstantContext | null | undefined },
  value: InstantContext | null,
): void {
  const proto = Object.getPrototypeOf(req) as object | null
  if (proto !== null && ready.has(proto)) {
    values.set(req, value)
    return
  }
  if (proto !== null) install(proto)
  req.instant = value
}
