import type { CopyPlan } from '../lib/load-generator.ts'
import type { Scenario } from '../lib/scenario.ts'

/**
 * Every logical request goes 1 to 3 times: a copy either races the previous one (sent 0-20 ms
 * after it) or follows it once it ended, and a third of the copies give up after 5-60 ms, so
 * many retries follow a client timeout whose request the server still completes.
 */
function stormPlan(random: () => number): CopyPlan {
  const copies = 1 + Math.floor(random() * 3)
  const gapsMs: (number | null)[] = [0]
  const timeoutsMs: number[] = []
  for (let copy = 0; copy < copies; copy++) {
    if (copy > 0) gapsMs.push(random() < 0.5 ? Math.floor(random() * 20) : null)
    timeoutsMs.push(random() < 0.33 ? 5 + Math.floor(random() * 55) : 10_000)
  }
  return { gapsMs, timeoutsMs }
}

/** Client retry storm: the same measurements arrive many times, concurrently and after timeouts (P2, P3). */
export const retryStorm: Scenario = {
  id: 8,
  slug: 'retry-storm',
  title: 'Client retry storm: every measurement sent 1 to 3 times, some after client timeouts',
  promises: ['P2', 'P3'],
  async run(run) {
    const ingest = await run.startRole('ingest', 'ingest')
    await run.startRole('saver', 'saver')
    run.sampleLag()
    run.startLoad(ingest.url, { copies: stormPlan, invalidRatio: 0.05 })
    await run.sleep(run.short ? 20_000 : 60_000)
    const copiesPerKey = new Map<string, { sent: number; ok: number }>()
    for (const record of run.history.records) {
      const first = record.items[0]
      if (!first) continue
      const key = `${first.sensor}|${first.tsMs}`
      const entry = copiesPerKey.get(key) ?? { sent: 0, ok: 0 }
      entry.sent += 1
      if (record.outcome === 'ok') entry.ok += 1
      copiesPerKey.set(key, entry)
    }
    const entries = [...copiesPerKey.values()]
    const resent = entries.filter((entry) => entry.sent > 1).length
    const ackedTwice = entries.filter((entry) => entry.ok > 1).length
    const timedOut = run.history.records.filter(
      (record) => record.error === 'TimeoutError' || record.error === 'AbortError',
    ).length
    run.metrics.storm = { logical: entries.length, resent, ackedTwice, clientTimeouts: timedOut }
    run.check(
      'the storm really repeated requests',
      resent > 0 && ackedTwice > 0 && timedOut > 0,
      `${entries.length} logical requests, ${resent} sent more than once, ${ackedTwice} acknowledged more than once, ${timedOut} client timeouts`,
    )
  },
}
