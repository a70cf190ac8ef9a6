import { createServer } from 'node:http'
import type { IncomingHttpHeaders, Server } from 'node:http'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'

/** One request as the server saw it. */
export type RecordedRequest = {
  method: string
  url: string
  headers: IncomingHttpHeaders
  body: string
}

/** One scripted answer. */
export type ScriptedResponse = {
  status: number
  body: string
  contentType?: string
}

export type RecordingServer = {
  url: string
  requests: RecordedRequest[]
  /** Clears the record and queues answers, used in order; then 200 `{}`. */
  reset(responses: ScriptedResponse[]): void
  close(): Promise<void>
}

/** A node:http server on 127.0.0.1, port 0, that records requests and answers from a script. */
export async function startRecordingServer(): Promise<RecordingServer> {
  const requests: RecordedRequest[] = []
  let queue: ScriptedResponse[] = []
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      })
      const answer = queue.shift() ?? { status: 200, body: '{}' }
      res.writeHead(answer.status, { 'content-type': answer.contentType ?? 'application/json' })
      res.end(answer.body)
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    reset(responses) {
      requests.length = 0
      queue = [...responses]
    },
    async close() {
      server.closeAllConnections()
      server.close()
      await once(server, 'close')
    },
  }
}
