import { readFileSync } from 'node:fs'
import { metricSum } from '../../harness/index.ts'
import { loadConfig } from '../../src/config/config.ts'
import { checkAlive } from '../lib/outage.ts'
import type { Scenario } from '../lib/scenario.ts'
import { freezeAsZombie } from '../lib/zombie.ts'

/** Group members each saver process runs (the `consumers` setting), so the check follows the configuration. */
const MEMBERS_PER_SAVER = loadConfig({}, {}, 'saver').saverConsumers

/**
 * Two savers share the group, each with MEMBERS_PER_SAVER members. Saver A is frozen (SIGSTOP) with a batch in hand: the gate holds
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
    const a = await run.startRole('saver', 'saver-a', { consumers: MEMBERS_PER_SAVER })
    const b = await run.startRole('saver', 'saver-b', { consumers: MEMBERS_PER_SAVER })
    run.sampleLag()
    run.startLoad(ingest.url)
    await run.sleep(5000)
    const membersBefore = await run.probe.groupMembers(run.group)
    const skippedBefore = metricSum(await a.metrics(), 'flowline_duplicates_skipped_total')

    const { membersDuring } = await freezeAsZombie(run, {
      victim: a,
      gatePoint: 'saverInsert',
      group: run.group,
      blockedTimeoutMs: 20_000,
    })
    await run.sleep(5000)
    const skippedAfter = metricSum(await a.metrics(), 'flowline_duplicates_skipped_total')
    run.heal('both savers run')
    await run.sleep(run.short ? 5000 : 10_000)

    const log = a.logPath ? readFileSync(a.logPath, 'utf8') : ''
    const commitFailures = log.split('\n').filter((line) => line.includes('offset commit failed')).length
    run.metrics.zombie = { membersBefore, membersDuring, skippedBefore, skippedAfter, commitFailures }
    run.check(
      'the frozen saver was expelled and its partitions taken over',
      membersBefore === 2 * MEMBERS_PER_SAVER && membersDuring === MEMBERS_PER_SAVER,
      `group members: ${membersBefore} before, ${membersDuring} while saver-a was frozen ` +
        `(expected ${2 * MEMBERS_PER_SAVER} and ${MEMBERS_PER_SAVER}: ${MEMBERS_PER_SAVER} per saver process)`,
    )
    run.check(
      'the zombie wrote its stale batch, and every row of it was already there',
      skippedAfter > skippedBefore,
      `saver-a skipped ${skippedAfter - skippedBefore} duplicate rows after waking; ${commitFailures} offset commit failures in its log`,
    )
    checkAlive(run, [ingest, a, b])
  },
}
