/**
 * The store's Lua scripts: each makes one kit operation a single atomic Redis step. Sent with
 * EVALSHA (EVAL once after a restart or a SCRIPT FLUSH answers NOSCRIPT).
 */
import { hash } from 'node:crypto'

export interface Script {
  readonly source: string
  readonly sha: string
}

function script(source: string): Script {
  return { source, sha: hash('sha1', source, 'hex') }
}

/**
 * Fixed-window hit: INCR, and PEXPIRE only when the window starts (so later hits never extend
 * it; Redis 7's PEXPIRE NX, written out for Redis 6.2 and Valkey). A key holding a plain value
 * starts a new counter, as the memory store does. Returns { count, ms left in the window }.
 */
export const HIT = script(`
local ok, count = pcall(redis.call, 'INCR', KEYS[1])
if not ok then
  redis.call('SET', KEYS[1], 1, 'PX', ARGV[1])
  return {1, tonumber(ARGV[1])}
end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
`)

/** The count and ms left of a counter, or nil. */
export const COUNT = script(`
local count = redis.call('GET', KEYS[1])
if not count then return nil end
return {tonumber(count) or 0, redis.call('PTTL', KEYS[1])}
`)

/** Takes one back from a live counter (express-rate-limit's decrement), never below 0. */
export const DECREMENT = script(`
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count and count > 0 then redis.call('DECR', KEYS[1]) end
return 0
`)
