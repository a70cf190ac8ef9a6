/**
 * Where `req.instant` is stored. Express gives every request its app's prototype
 * (`Object.setPrototypeOf(req, app.request)`), and V8 caches no hidden-class transition for a
 * property added after that: each `req.instant = …` built a new hidden class for that one
 * request, a map and a copy of its ~30 property descriptors (about 1.2 KB of old-space memory
 * per request, +1,100–1,500 bytes allocated per request in bench/app.js's `bare-setprop`
 * against `bare`, and the extra major GCs that come with it).
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
import type { InstantContext } from '../core/instant-context.js'

type Slot = InstantContext | null | undefined

const values = new WeakMap<object, Slot>()
/** Marks a prototype chain whose accessor is ours. */
const INSTALLED = Symbol('instant-express-auth.slot')

const accessor: PropertyDescriptor = {
  configurable: true,
  enumerable: false,
  get(this: object): Slot {
    return values.get(this)
  },
  set(this: object, value: Slot): void {
    values.set(this, value)
  },
}

/**
 * Makes sure `req.instant = …` on this request goes to the side table when it can: installs the
 * accessor on the prototype right above `IncomingMessage.prototype` (Express's `request`) the
 * first time a request of that chain passes. Never touches `IncomingMessage.prototype` itself,
 * nor a prototype that already has an `instant` of someone else's.
 */
function prepareInstantSlot(req: object): void {
  if ((req as { [INSTALLED]?: true })[INSTALLED] === true) return
  let base = Object.getPrototypeOf(req) as object | null
  if (base === null || base === IncomingMessage.prototype) return
  for (;;) {
    const parent = Object.getPrototypeOf(base) as object | null
    if (parent === IncomingMessage.prototype) break
    if (parent === null) return
    base = parent
  }
  if (Object.prototype.hasOwnProperty.call(base, 'instant')) return
  Object.defineProperty(base, 'instant', accessor)
  Object.defineProperty(base, INSTALLED, { value: true })
}

/** `req.instant = value`, through the side table where {@link prepareInstantSlot} could install it. */
export function setInstant(
  req: { instant?: InstantContext | null | undefined },
  value: InstantContext | null,
): void {
  prepareInstantSlot(req)
  req.instant = value
}
