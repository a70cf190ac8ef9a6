/**
 * Bundles the demo's browser code (browser/todos.ts and `@instantdb/core`) with esbuild, once,
 * when the demo starts: the page serves it as `/todos.js`. esbuild is a dev dependency, as the
 * demo is not part of the published package.
 */
import { fileURLToPath } from 'node:url'

/** The entry point, next to this file in src/ and in dist/ alike (`.ts` is tried first). */
const ENTRY = fileURLToPath(new URL('./browser/todos', import.meta.url))

/** Returns the minified IIFE bundle of the browser todos. */
export async function bundleBrowserTodos(): Promise<string> {
  const esbuild = await import('esbuild')
  const result = await esbuild.build({
    entryPoints: [ENTRY],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    write: false,
    logLevel: 'silent',
    resolveExtensions: ['.ts', '.js'],
    define: { 'process.env.NODE_ENV': '"production"' },
  })
  return (result.outputFiles[0] as { text: string }).text
}
