import { readFileSync } from 'node:fs'
import { InsertGate } from '../lib/insert-gate.ts'
import { checkAlive } from '../lib/outage.ts'
import { metricTotal } from '../lib/pipeline.ts'
import type { Scenario } from '../lib/scenario.ts'

/**
 * Two savers share the group. Saver A is frozen (SIGSTOP) with a batch in hand: the gate holds
 * its INSERT, the harness freezes it and cancels that statement under it, so that when A wakes it
 * retries the same batch. A stays frozen past its session timeout (10 s): the coordinator expels
 * it, B takes over A's partitions and stores A's batch from the last committed offsets. Then A
 * wakes up as a zombie, writes its stale batch and tries to commit offsets for partitions it no
 * longer owns. The stale write must not duplicate anything, and nothing may be lost.
 */
export const zombieSaver: Scenario = {
  id: 7,
  slug: 'zombie-saver',
  title: 'Two savers; one frozen past its session timeout (zombie) with a batch in hand, then resumed',
  promises: ['P1', 'P2', 'P6'],
  async run(run) {
    const ingest = await run.startRole('ingest', 'ingest')
    const a = await run.startRole('saver', 'saver-a')
    const b = await run.startRole('saver', 'saver-b')
    run.sampleLag()
    run.startLoad(ingest.url)
    await run.sleep(5000)
    const membersBefore = await run.probe.groupMembers(run.group)
    const skippedBefore = metricTotal(await a.metrics(), 'flowline_duplicates_skipped_total')

    const gate = await InsertGate.close(run.databaseUrl)
    try {
      const blocked = await gate.waitForBlocked([a.label], 20_000)
      if (!blocked) throw new Error('saver-a never reached the gate with a batch')
      a.pause()
      await gate.cancel(blocked.pid)
      run.event(
        'fault',
        'saver-a SIGSTOPped with a batch in hand (its INSERT canceled under it: it will retry on waking)',
      )
    } finally {
      await gate.end()
    }
    const pausedS = run.short ? 20 : 30
    let membersDuring: number | null = null
    for (let waited = 0; waited < pausedS; waited++) {
      await run.sleep(1000)
      if (waited >= 15) membersDuring ??= await run.probe.groupMembers(run.group)
    }
    a.resume()
    run.event(
      'saver-a SIGCONTinued',
      `${pausedS} s after it froze; group had ${membersDuring ?? '?'} member(s) meanwhile`,
    )
    await run.sleep(5000)
    const skippedAfter = metricTotal(await a.metrics(), 'flowline_duplicates_skipped_total')
    run.heal('both savers run')
    await run.sleep(run.short ? 5000 : 10_000)

    const log = readFileSync(a.logPath, 'utf8')
    const commitFailures = log.split('\n').filter((line) => line.includes('offset commit failed')).length
    run.metrics.zombie = { membersBefore, membersDuring, skippedBefore, skippedAfter, commitFailures }
    run.check(
      'the frozen saver was expelled and its partitions taken over',
      // Each saver process runs the same number of group members (--consumers, 2 by default):
      // while A is frozen, only B's are left.
      membersBefore !== null && membersBefore >= 2 && membersDuring === membersBefore / 2,
      `group members: ${membersBefore} before, ${membersDuring} while saver-a was frozen`,
    )
    run.check(
      'the zombie wrote its stale batch, and every row of it was already there',
      skippedAfter > skippedBefore,
      `saver-a skipped ${skippedAfter - skippedBefore} duplicate rows after waking; ${commitFailures} offset commit failures in its log`,
    )
    checkAlive(run, [ingest, a, b])
  },
}
