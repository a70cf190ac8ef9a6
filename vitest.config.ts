import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

/** Test files run at once (forks); `--maxWorkers` on the command line overrides it. */
const MAX_WORKERS = 3

const src = (path: string) => fileURLToPath(new URL(`./src/${path}`, import.meta.url))

export default defineConfig({
  resolve: {
    // Examples and tests import the package by name, as users do, without a build.
    alias: [
      { find: /^instant-express-auth$/, replacement: src('index.ts') },
      {
        find: /^instant-express-auth\/(admin|local|email|redis|testing)$/,
        replacement: src('$1/index.ts'),
      },
    ],
  },
  test: {
    include: ['test/**/*.test.ts', 'examples/**/*.test.ts'],
    // Files run in forks so native addons and servers stay isolated.
    pool: 'forks',
    // vitest's default is one fork per core less one: a single fork on CI's two cores. Many
    // files mostly wait (loopback servers, timeouts, Chromium, redis-server, tsc in a child),
    // so a third fork keeps both cores busy.
    maxWorkers: MAX_WORKERS,
    testTimeout: 20_000,
    hookTimeout: 30_000,
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'] },
  },
})
