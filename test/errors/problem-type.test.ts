import { readFile } from 'node:fs/promises'
import { afterEach, describe, expect, it } from 'vitest'
import { KIT_ERROR_STATUS, KitError, setProblemTypeBase } from '../../src/index.js'
import { DEFAULT_PROBLEM_TYPE_BASE } from '../../src/errors/kit-error.js'

afterEach(() => setProblemTypeBase(undefined))

describe('problem type URIs', () => {
  it('default to a non-dereferenceable URN per code', () => {
    expect(DEFAULT_PROBLEM_TYPE_BASE).toBe('urn:instant-express-auth:error:')
    for (const code of Object.keys(KIT_ERROR_STATUS) as (keyof typeof KIT_ERROR_STATUS)[]) {
      expect(new KitError(code).toProblem().type).toBe(`urn:instant-express-auth:error:${code}`)
    }
  })

  it('follow an app-chosen base, and undefined restores the default', () => {
    setProblemTypeBase('https://example.com/docs/errors#')
    expect(new KitError('invalid_token').toProblem().type).toBe(
      'https://example.com/docs/errors#invalid_token',
    )
    setProblemTypeBase(undefined)
    expect(new KitError('invalid_token').toProblem().type).toBe(
      'urn:instant-express-auth:error:invalid_token',
    )
  })

  it('refuse a base that is not an absolute URI, keeping the previous one', () => {
    setProblemTypeBase('urn:example:error:')
    for (const bad of ['/docs/errors#', 'errors', '', 'https://x y', 42 as unknown as string]) {
      expect(() => setProblemTypeBase(bad)).toThrow(
        new TypeError(
          `setProblemTypeBase(): \`base\` must be an absolute URI such as "https://example.com/errors#" or "urn:example:error:"; got a ${typeof bad}.`,
        ),
      )
    }
    expect(new KitError('rate_limited').toProblem().type).toBe('urn:example:error:rate_limited')
  })
})

describe('docs/errors.md', () => {
  it('has one heading per code, the anchors a problemTypeBase pointing at it needs', async () => {
    const text = await readFile(new URL('../../docs/errors.md', import.meta.url), 'utf8')
    const headings = [...text.matchAll(/^## (\S+)$/gm)].map((match) => match[1])
    expect(headings.sort()).toEqual(Object.keys(KIT_ERROR_STATUS).sort())
  })
})
