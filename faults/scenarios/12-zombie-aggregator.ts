import { metricSum } from '../../harness/index.ts'
import { checkAggregates, tightenAlertRule } from '../lib/aggregate-checker.ts'
import { checkAlive } from '../lib/outage.ts'
import type { Scenario } from '../lib/scenario.ts'
import { freezeAsZombie } from '../lib/zombie.ts'

/**
 * Two aggregators, one member each. Aggregator A is frozen (SIGSTOP) inside a batch's transaction
 * (its merge statement held at the gate, then canceled under it, so that on waking it retries the
 * same batch). It stays frozen past its session timeout: B takes its partitions over from the
 * checkpoint in PostgreSQL and moves on. A wakes as a zombie and writes its stale batch: the
 * checkpoint it finds has moved, so it must apply nothing of it.
 */
export const zombieAggregator: Scenario = {
  id: 12,
  slug: 'zombie-aggregator',
  title: 'Two aggregators; one frozen past its session timeout with a batch in hand, then resumed',
  promises: ['P1', 'P2', 'P6'],
  async run(run) {
    const ingest = await run.startRole('ingest', 'ingest')
    const saver = await run.startRole('saver', 'saver')
    const a = await run.startRole('aggregate', 'aggregate-a', { 'aggregate-consumers': 1 })
    const b = await run.startRole('aggregate', 'aggregate-b', { 'aggregate-consumers': 1 })
    await tightenAlertRule(run)
    run.startLoad(ingest.url)
    await run.sleep(10_000)
    const membersBefore = await run.probe.groupMembers(run.aggregateGroup)
    const { membersDuring } = await freezeAsZombie(run, {
      victim: a,
      gatePoint: 'aggregatorMerge',
      group: run.aggregateGroup,
      blockedTimeoutMs: 60_000,
    })
    await run.sleep(8000)
    const stale = metricSum(await a.metrics(), 'flowline_aggregate_stale_records_total')
    run.metrics.zombie = { membersBefore, membersDuring, staleRecordsDropped: stale }
    run.check(
      'the frozen aggregator was expelled and its partitions taken over',
      membersBefore === 2 && membersDuring === 1,
      `group members: ${membersBefore} before, ${membersDuring} while aggregate-a was frozen`,
    )
    run.check(
      'the zombie was fenced: records of its stale batch dropped at the moved checkpoint',
      stale > 0,
      `aggregate-a dropped ${stale} records below the stored checkpoint after waking`,
    )
    run.heal('both aggregators run')
    checkAlive(run, [ingest, saver, a, b])
    await checkAggregates(run)
  },
}
