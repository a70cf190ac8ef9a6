/**
 * Splits a byte stream into lines without holding more than one line (plus a chunk) in memory.
 */
import { StringDecoder } from 'node:string_decoder'
import type { Readable } from 'node:stream'

/** The longest line accepted: one entity's JSON. Past it the stream is refused, not buffered. */
const MAX_LINE_CHARS = 64 * 1024 * 1024

/** Yields `[lineNumber, text]` for each non-empty line (1-based; a trailing `\r` is dropped). */
export async function* readLines(
  stream: Readable,
  onTooLong: (line: number) => Error,
): AsyncGenerator<[number, string]> {
  const decoder = new StringDecoder('utf8')
  let rest = ''
  let line = 0
  for await (const chunk of stream) {
    const text = rest + decoder.write(chunk as Buffer)
    let start = 0
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      line++
      const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl
      if (end > start) yield [line, text.slice(start, end)]
      start = nl + 1
    }
    rest = text.slice(start)
    if (rest.length > MAX_LINE_CHARS) throw onTooLong(line + 1)
  }
  rest += decoder.end()
  if (rest.trim() !== '') yield [line + 1, rest.endsWith('\r') ? rest.slice(0, -1) : rest]
}
