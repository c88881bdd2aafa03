import type { RoleProcess } from '../../harness/index.ts'
import { checkAggregates, tightenAlertRule } from '../lib/aggregate-checker.ts'
import { LockGate } from '../lib/lock-gate.ts'
import type { Scenario } from '../lib/scenario.ts'
import type { ScenarioRun } from '../lib/scenario-run.ts'

/**
 * SIGKILLs whichever of `aggregators` first commits a batch and waits to publish its events: its
 * windows and checkpoint are durable, its events sit in the outbox and (for the `aggregate` role)
 * its Kafka offsets are not committed; `pending` says what the kill interrupts. Returns the killed process, or null if none got there within 15 s.
 */
export async function killAfterCommit(
  run: ScenarioRun,
  aggregators: readonly RoleProcess[],
  pending = 'publishing its events and committing its Kafka offsets',
): Promise<RoleProcess | null> {
  const gate = await LockGate.close(run.databaseUrl, 'aggregatorPublish')
  try {
    const blocked = await gate.waitForBlocked(
      aggregators.map((aggregator) => aggregator.label),
      15_000,
    )
    const victim = aggregators.find((aggregator) => aggregator.label === blocked?.application)
    if (!victim) return null
    await victim.kill()
    run.event('fault', `${victim.label} SIGKILLed after its batch committed in PostgreSQL, before ${pending}`)
    return victim
  } finally {
    await gate.end()
  }
}

/**
 * Phase A: one aggregator killed at the worst moment, again and again, and restarted. Phase B: two
 * aggregators in one group killed at random moments (now and then at the worst one) and restarted:
 * rebalances on top of crashes. Then windows must equal the GROUP BY, each window revision be
 * published once, and no alert transition be doubled.
 */
export const aggregatorKill: Scenario = {
  id: 11,
  slug: 'aggregator-kill',
  title:
    'Aggregator killed in a loop, including after the DB commit and before publishing and the offset commit',
  promises: ['P1', 'P2', 'P6'],
  async run(run) {
    const ingest = await run.startRole('ingest', 'ingest')
    await run.startRole('saver', 'saver')
    const a = await run.startRole('aggregate', 'aggregate-a')
    await tightenAlertRule(run)
    run.startLoad(ingest.url)
    await run.sleep(3000)
    let worst = 0
    for (let round = 0; round < (run.short ? 2 : 4); round++) {
      const killed = await killAfterCommit(run, [a])
      if (!killed) {
        run.event('no aggregator batch reached the gate within 15 s')
        continue
      }
      worst += 1
      await run.sleep(500)
      if (!a.running) await a.start()
      run.event('aggregate-a restarted', `pid ${a.pid}`)
      await run.sleep(2000)
    }
    const b = await run.startRole('aggregate', 'aggregate-b')
    const aggregators = [a, b]
    const randomKills = run.short ? 2 : 8
    for (let kill = 1; kill <= randomKills; kill++) {
      await run.sleep(1000 + Math.random() * 3000)
      const killed = kill % 3 === 0 ? await killAfterCommit(run, aggregators) : null
      if (killed) worst += 1
      // The harness supervisor may be restarting one that exited on its own: pick a running one.
      const running = aggregators.filter((aggregator) => aggregator.running)
      const victim = killed ?? running[Math.floor(Math.random() * running.length)]
      if (!victim) continue
      if (!killed) {
        await victim.kill()
        run.event('fault', `${victim.label} SIGKILLed at a random moment`)
      }
      await run.sleep(300 + Math.random() * 1200)
      if (victim.running) continue
      await victim.start().then(
        () => run.event(`${victim.label} restarted`, `pid ${victim.pid}`),
        (error: Error) => run.event(`${victim.label} not restarted by the scenario`, error.message),
      )
    }
    run.metrics.worstMomentKills = worst
    run.check('worst-moment kills landed', worst > 0, `${worst} aggregator kills after a DB commit`)
    run.heal('both aggregators stay up')
    await run.sleep(run.short ? 3000 : 10_000)
    await checkAggregates(run)
  },
}
