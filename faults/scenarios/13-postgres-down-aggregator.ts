import type { RoleProcess } from '../../harness/index.ts'
import { checkAggregates, tightenAlertRule } from '../lib/aggregate-checker.ts'
import { checkAlive } from '../lib/outage.ts'
import type { Scenario } from '../lib/scenario.ts'
import type { ScenarioRun } from '../lib/scenario-run.ts'

/**
 * PostgreSQL stopped with `pg_ctl -m immediate` for 60 s under load, with the aggregator running:
 * it must retry the same batch, read nothing new, and after the restart catch up with windows
 * equal to the GROUP BY, each revision published once and no alert transition doubled.
 * `startAggregation` starts the saver and the aggregator in one of their two layouts.
 */
async function postgresDownUnder(run: ScenarioRun, startAggregation: () => Promise<RoleProcess[]>) {
  const ingest = await run.startRole('ingest', 'ingest')
  const roles = await startAggregation()
  await tightenAlertRule(run)
  run.startLoad(ingest.url)
  await run.sleep(5000)
  await run.services.postgres.stopImmediate()
  run.event('fault', 'PostgreSQL stopped with pg_ctl -m immediate')
  await run.sleep(run.short ? 10_000 : 60_000)
  run.event('healing', 'starting PostgreSQL')
  await run.services.postgres.start()
  run.heal('PostgreSQL started again (crash recovery)')
  await run.sleep(run.short ? 5000 : 15_000)
  checkAlive(run, [ingest, ...roles])
  await checkAggregates(run)
}

export const postgresDownAggregator: Scenario = {
  id: 13,
  slug: 'postgres-down-aggregator',
  title: 'PostgreSQL stopped for 60 s under the aggregator, then restarted',
  promises: ['P1', 'P2', 'P5'],
  run: (run) =>
    postgresDownUnder(run, async () => [
      await run.startRole('saver', 'saver'),
      await run.startRole('aggregate', 'aggregate'),
    ]),
}

export const postgresDownInlineAggregator: Scenario = {
  id: 21,
  slug: 'postgres-down-inline-aggregator',
  title: 'PostgreSQL stopped for 60 s under a saver running the aggregator inside, then restarted',
  promises: ['P1', 'P2', 'P5'],
  run: (run) =>
    postgresDownUnder(run, async () => [await run.startRole('saver', 'saver', run.inlineAggregatorFlags)]),
}
