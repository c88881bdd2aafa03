import { metricSum, type RoleProcess } from '../../harness/index.ts'
import { checkAggregates, tightenAlertRule } from '../lib/aggregate-checker.ts'
import { checkAlive } from '../lib/outage.ts'
import type { Scenario } from '../lib/scenario.ts'
import type { ScenarioRun } from '../lib/scenario-run.ts'
import { freezeAsZombie } from '../lib/zombie.ts'

/** The processes of one aggregator layout: two aggregating members `a` and `b` in `group`. */
interface ZombieLayout {
  readonly a: RoleProcess
  readonly b: RoleProcess
  /** The Kafka group whose membership decides who owns the partitions. */
  readonly group: string
  readonly others: readonly RoleProcess[]
}

/**
 * Two aggregating processes, one member each. A is frozen (SIGSTOP) inside a batch's transaction
 * (its merge statement held at the gate, then canceled under it, so that on waking it retries the
 * same batch). It stays frozen past its session timeout: B takes its partitions over from the
 * checkpoint in PostgreSQL and moves on. A wakes as a zombie and writes its stale batch: the
 * checkpoint it finds has moved, so it must apply nothing of it.
 */
async function zombieUnder(run: ScenarioRun, startLayout: () => Promise<ZombieLayout>) {
  const ingest = await run.startRole('ingest', 'ingest')
  const { a, b, group, others } = await startLayout()
  await tightenAlertRule(run)
  run.startLoad(ingest.url)
  await run.sleep(10_000)
  const membersBefore = await run.probe.groupMembers(group)
  const { membersDuring } = await freezeAsZombie(run, {
    victim: a,
    gatePoint: 'aggregatorMerge',
    group,
    blockedTimeoutMs: 60_000,
  })
  await run.sleep(8000)
  const stale = metricSum(await a.metrics(), 'flowline_aggregate_stale_records_total')
  run.metrics.zombie = { membersBefore, membersDuring, staleRecordsDropped: stale }
  run.check(
    `the frozen ${a.label} was expelled and its partitions taken over`,
    membersBefore === 2 && membersDuring === 1,
    `group members: ${membersBefore} before, ${membersDuring} while ${a.label} was frozen`,
  )
  run.check(
    'the zombie was fenced: records of its stale batch dropped at the moved checkpoint',
    stale > 0,
    `${a.label} dropped ${stale} records below the stored checkpoint after waking`,
  )
  run.heal(`both ${a.role} processes run`)
  checkAlive(run, [ingest, ...others, a, b])
  await checkAggregates(run)
}

export const zombieAggregator: Scenario = {
  id: 12,
  slug: 'zombie-aggregator',
  title: 'Two aggregators; one frozen past its session timeout with a batch in hand, then resumed',
  promises: ['P1', 'P2', 'P6'],
  run: (run) =>
    zombieUnder(run, async () => {
      const saver = await run.startRole('saver', 'saver')
      const one = { 'aggregate-consumers': 1 }
      const a = await run.startRole('aggregate', 'aggregate-a', one)
      const b = await run.startRole('aggregate', 'aggregate-b', one)
      return { a, b, group: run.aggregateGroup, others: [saver] }
    }),
}

export const zombieInlineAggregator: Scenario = {
  id: 20,
  slug: 'zombie-inline-aggregator',
  title:
    'Two savers running the aggregator inside; one frozen past its session timeout with a merge in hand, then resumed',
  promises: ['P1', 'P2', 'P6'],
  run: (run) =>
    zombieUnder(run, async () => {
      // One member each: the saver group's membership is the aggregator's here.
      const flags = { ...run.inlineAggregatorFlags, consumers: 1 }
      const a = await run.startRole('saver', 'saver-a', flags)
      const b = await run.startRole('saver', 'saver-b', flags)
      return { a, b, group: run.group, others: [] }
    }),
}
