import { describe, expect, it } from 'vitest'
import { isLoopbackHost } from '../../src/options/loopback.js'

describe('isLoopbackHost', () => {
  it.each(['localhost', '127.0.0.1', '127.8.9.10', '[::1]'])('%s is loopback', (host) => {
    expect(isLoopbackHost(host)).toBe(true)
  })

  it.each(['127.attacker.example', '127.0.0.1.nip.io', 'example.com', '10.0.0.1', '[::2]', ''])(
    '%s is not',
    (host) => {
      expect(isLoopbackHost(host)).toBe(false)
    },
  )
})
