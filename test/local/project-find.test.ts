import { realpathSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { findProjectFile, findProjectFiles } from '../../src/local/project/index.js'
import { tempProject } from './project-fixtures.js'

const projects: ReturnType<typeof tempProject>[] = []
afterEach(() => projects.splice(0).forEach((p) => p.remove()))
function project() {
  const p = tempProject()
  projects.push(p)
  return { ...p, dir: realpathSync(p.dir) }
}

describe('finding instant.schema / instant.perms as Instant’s CLI does', () => {
  it('finds nothing in an empty project', () => {
    const p = project()
    expect(findProjectFiles({ cwd: p.dir, env: {} })).toEqual({})
  })

  it('prefers the working directory, then src/, lib/, app/', () => {
    const p = project()
    p.write('app/instant.perms.ts', '')
    expect(findProjectFile('perms', { cwd: p.dir, env: {} })).toBe(
      join(p.dir, 'app/instant.perms.ts'),
    )
    p.write('lib/db/instant.perms.ts', '')
    expect(findProjectFile('perms', { cwd: p.dir, env: {} })).toBe(
      join(p.dir, 'lib/db/instant.perms.ts'),
    )
    p.write('src/lib/db/instant.perms.js', '')
    expect(findProjectFile('perms', { cwd: p.dir, env: {} })).toBe(
      join(p.dir, 'src/lib/db/instant.perms.js'),
    )
    p.write('src/instant.perms.mjs', '')
    expect(findProjectFile('perms', { cwd: p.dir, env: {} })).toBe(
      join(p.dir, 'src/instant.perms.mjs'),
    )
    p.write('instant.perms.cjs', '')
    expect(findProjectFile('perms', { cwd: p.dir, env: {} })).toBe(join(p.dir, 'instant.perms.cjs'))
  })

  it('tries ts, mts, cts, js, mjs, cjs in that order at one place', () => {
    const p = project()
    p.write('instant.schema.cjs', '')
    p.write('instant.schema.js', '')
    expect(findProjectFile('schema', { cwd: p.dir, env: {} })).toBe(
      join(p.dir, 'instant.schema.js'),
    )
    p.write('instant.schema.mts', '')
    expect(findProjectFile('schema', { cwd: p.dir, env: {} })).toBe(
      join(p.dir, 'instant.schema.mts'),
    )
    p.write('instant.schema.ts', '')
    expect(findProjectFile('schema', { cwd: p.dir, env: {} })).toBe(
      join(p.dir, 'instant.schema.ts'),
    )
  })

  it('looks three folders deep under src/ and two under lib/, never in node_modules or hidden folders', () => {
    const p = project()
    p.write('src/a/b/c/d/instant.perms.ts', '')
    p.write('lib/a/b/c/instant.perms.ts', '')
    p.write('src/.hidden/instant.perms.ts', '')
    p.write('src/node_modules/instant.perms.ts', '')
    expect(findProjectFile('perms', { cwd: p.dir, env: {} })).toBeUndefined()
    p.write('src/a/b/c/instant.perms.ts', '')
    expect(findProjectFile('perms', { cwd: p.dir, env: {} })).toBe(
      join(p.dir, 'src/a/b/c/instant.perms.ts'),
    )
  })

  it('an environment variable names the file, relative to the working directory', () => {
    const p = project()
    p.write('instant.perms.ts', '')
    p.write('config/rules.ts', '')
    p.write('config/schema.ts', '')
    const env = {
      INSTANT_PERMS_FILE_PATH: 'config/rules.ts',
      INSTANT_SCHEMA_FILE_PATH: 'config/schema.ts',
    }
    expect(findProjectFiles({ cwd: p.dir, env })).toEqual({
      schemaFile: join(p.dir, 'config/schema.ts'),
      rulesFile: join(p.dir, 'config/rules.ts'),
    })
  })

  it('a variable naming a missing file throws, naming the variable', () => {
    const p = project()
    p.write('instant.perms.ts', '')
    expect(() =>
      findProjectFile('perms', { cwd: p.dir, env: { INSTANT_PERMS_FILE_PATH: 'nope.ts' } }),
    ).toThrow(
      `INSTANT_PERMS_FILE_PATH=nope.ts: no such file (looked for ${join(p.dir, 'nope.ts')})`,
    )
  })
})
