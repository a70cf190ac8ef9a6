// @ts-check
// The memory section of `npm run bench`: 1,000,000 bogus tokens through requireInstantUser
// (memory/memory.js), then the same flood through a cache-less control (T6a, T6b).
import { runChild } from '../shared/children.js'
import { fmt } from '../shared/stats.js'

/** @type {import('../sections.js').Section} */
export const memory = {
  id: 'memory',
  about: '1,000,000 distinct bogus tokens through the verification path, then a cache-less control',
  async run() {
    const kit = await runChild('memory', 'memory/memory.js', {
      nodeArgs: ['--expose-gc'],
      timeoutMs: 120_000,
    })
    const control = await runChild('memory-control', 'memory/memory.js', {
      args: ['control'],
      nodeArgs: ['--expose-gc'],
      timeoutMs: 120_000,
    }).catch((err) => ({ failed: String(err.message) }))
    return { ...kit, control }
  },
  summary(m) {
    const out = [
      `memory: ${m.tokens} bogus tokens in ${fmt(m.elapsedMs / 1000, 1)}s; RSS ${fmt(m.rssBaselineMB, 1)} MB → peak ${fmt(m.rssPeakMB, 1)} MB (+${fmt(m.rssGrowthPeakMB, 1)}), after gc +${fmt(m.rssGrowthFinalMB, 1)} MB; ` +
        `cache ${m.cacheMaxObserved ?? 'n/a'} max / ${m.cacheBound ?? 'n/a'} bound; answers ${JSON.stringify(m.statusCodes)}`,
    ]
    if (m.control && !m.control.failed) {
      out.push(
        `  control (hand-written, no cache): peak +${fmt(m.control.rssGrowthPeakMB, 1)} MB, after gc +${fmt(m.control.rssGrowthFinalMB, 1)} MB`,
      )
    }
    return out
  },
}
