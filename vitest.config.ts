import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const src = (path: string) => fileURLToPath(new URL(`./src/${path}`, import.meta.url))

export default defineConfig({
  resolve: {
    // Examples and tests import the package by name, as users do, without a build.
    alias: [
      { find: /^instant-express-auth$/, replacement: src('express/index.ts') },
      {
        find: /^instant-express-auth\/(admin|local|email|redis)$/,
        replacement: src('$1/index.ts'),
      },
    ],
  },
  test: {
    include: ['test/**/*.test.ts', 'examples/**/*.test.ts'],
    // Two cores here: run files in forks so native addons and servers stay isolated.
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 30_000,
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'] },
  },
})
