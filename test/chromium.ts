/**
 * Debian's Chromium for the browser tests, driven by playwright-core (which never downloads a
 * browser of its own here). The flags keep it from reaching for the network at start, which this
 * machine's closed network refuses. Without /usr/bin/chromium the browser tests are skipped,
 * saying how to install it.
 */
import { existsSync } from 'node:fs'
import { chromium, type Browser } from 'playwright-core'

export const CHROMIUM = '/usr/bin/chromium'
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
]

export const hasChromium = existsSync(CHROMIUM)
if (!hasChromium) {
  console.warn(`Skipping the browser tests: ${CHROMIUM} not found (apt-get install chromium).`)
}

/** Starts a headless Chromium; close it in `afterAll`. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true })
}
