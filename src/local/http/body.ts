/**
 * Reading a request's JSON body within a byte limit: a declared or actual size over the limit
 * answers 413 and closes the connection; malformed JSON answers Instant's param-malformed.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Body } from './request.js'
import { sendJson } from './send.js'

const EMPTY_BODY: Body = Object.freeze({}) as Body
const MALFORMED_JSON_BODY = JSON.stringify({
  type: 'param-malformed',
  message: 'Malformed JSON in request body.',
  hint: { in: ['body'] },
})

/** Reads the body and calls `onBody` with it; answers the request itself when it cannot. */
export function readJsonBody(
  req: IncomingMessage,
  res: ServerResponse,
  maxBodyBytes: number,
  onBody: (body: Body) => void,
): void {
  const declared = req.headers['content-length']
  if (declared !== undefined && Number(declared) > maxBodyBytes) {
    tooLarge(req, res, maxBodyBytes)
    return
  }
  const chunks: Buffer[] = []
  let size = 0
  let aborted = false
  req.on('data', (chunk: Buffer) => {
    if (aborted) return
    size += chunk.length
    if (size > maxBodyBytes) {
      aborted = true
      tooLarge(req, res, maxBodyBytes)
      return
    }
    chunks.push(chunk)
  })
  req.on('end', () => {
    if (aborted) return
    let body: Body = EMPTY_BODY
    if (size > 0) {
      const buf = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)
      let parsed: unknown
      try {
        parsed = JSON.parse(buf.toString('utf8'))
      } catch {
        sendJson(req, res, 400, MALFORMED_JSON_BODY)
        return
      }
      // Instant reads params with get-in, which finds nothing inside non-objects.
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
        body = parsed as Body
      }
    }
    onBody(body)
  })
  req.on('error', () => {
    aborted = true
  })
}

function tooLarge(req: IncomingMessage, res: ServerResponse, maxBodyBytes: number): void {
  const body = JSON.stringify({
    type: 'payload-too-large',
    message: `Request body is larger than ${maxBodyBytes} bytes.`,
    hint: { 'max-bytes': maxBodyBytes },
  })
  // The rest of the body is not read: close the connection once the answer is out.
  res.shouldKeepAlive = false
  res.setHeader('connection', 'close')
  sendJson(req, res, 413, body)
  req.resume()
}
