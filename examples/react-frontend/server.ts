/**
 * The server of the React example: the kit's magic-code routes, and a page that loads the
 * frontend (app.ts, bundled with esbuild on the first request) with the URIs of Instant. The
 * frontend talks to Instant itself; the rules below keep each user to their own notes.
 *
 * Run directly, it listens on `PORT` (default 3000) against the Instant app in `INSTANT_APP_ID`,
 * `INSTANT_APP_ADMIN_TOKEN` and `INSTANT_API_URI`, which `npx instant-local --rules` prints
 * (give it these rules as a JSON file), with the code printed by `consoleEmail()`.
 */
import { fileURLToPath, pathToFileURL } from 'node:url'
import express from 'express'
import { magicCodeRouter, type InstantAuthDb, type MagicCodeEmail } from 'instant-express-auth'
import { init } from 'instant-express-auth/admin'
import { consoleEmail } from 'instant-express-auth/email'

/** Each user sees, creates, changes and deletes only their own notes. */
export const RULES = {
  notes: {
    allow: {
      view: 'auth.id != null && auth.id == data.ownerId',
      create: 'auth.id != null && auth.id == data.ownerId',
      update: 'auth.id != null && auth.id == data.ownerId && auth.id == newData.ownerId',
      delete: 'auth.id != null && auth.id == data.ownerId',
    },
  },
}

/** Where the browser SDK finds Instant: both URIs, or it dials Instant Cloud. */
export interface BrowserInstant {
  appId: string
  apiURI: string
  websocketURI: string
}

const ENTRY = fileURLToPath(new URL('./app.ts', import.meta.url))

/** The frontend and `@instantdb/react`, as one minified script for the page. */
export async function bundleApp(): Promise<string> {
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
    define: { 'process.env.NODE_ENV': '"production"' },
  })
  return (result.outputFiles[0] as { text: string }).text
}

/** `<` escaped, so the config cannot end the script element it sits in. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c')

export function createApp(options: {
  db: InstantAuthDb
  sendEmail: (message: MagicCodeEmail) => Promise<void> | void
  instant: BrowserInstant
}): express.Express {
  const app = express()
  app.use(magicCodeRouter({ db: options.db, sendEmail: options.sendEmail }))
  let bundle: Promise<string> | undefined
  app.get('/app.js', (_req, res, next) => {
    bundle ??= bundleApp()
    bundle.then((js) => res.type('text/javascript').send(js), next)
  })
  app.get('/', (_req, res) => {
    res.type('html').send(`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Notes</title></head>
<body>
<div id="root"></div>
<script type="application/json" id="config">${scriptJson(options.instant)}</script>
<script src="/app.js"></script>
</body>
</html>`)
  })
  return app
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const apiURI = process.env.INSTANT_API_URI ?? 'http://127.0.0.1:8888'
  const appId = process.env.INSTANT_APP_ID! // `npx instant-local` prints these three
  const db = init({ appId, adminToken: process.env.INSTANT_APP_ADMIN_TOKEN, apiURI })
  const websocketURI = `${apiURI.replace(/^http/, 'ws')}/runtime/session`
  const port = Number(process.env.PORT ?? 3000)
  const app = createApp({
    db,
    sendEmail: consoleEmail(), // prints the code: development only
    instant: { appId, apiURI, websocketURI },
  })
  app.listen(port, () => console.log(`Listening on http://localhost:${port}`))
}
