// undici ships types for its entry point only; these are the modules it re-exports from there.
declare module 'undici/lib/dispatcher/dispatcher.js' {
  import type { Dispatcher } from 'undici'
  const DispatcherClass: typeof Dispatcher
  export default DispatcherClass
}

declare module 'undici/lib/dispatcher/pool.js' {
  import type { Pool } from 'undici'
  const PoolClass: typeof Pool
  export default PoolClass
}
