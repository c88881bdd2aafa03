import { checkAggregates, tightenAlertRule } from '../lib/aggregate-checker.ts'
import type { Scenario } from '../lib/scenario.ts'
import { killAfterCommit } from './11-aggregator-kill.ts'

/**
 * Two savers with `--inline-aggregator` in one group, killed in a loop and restarted: at random
 * moments, and now and then at the aggregator's worst one (its merge committed in PostgreSQL,
 * its events not yet published). The saver commits its Kafka offsets before the readings it
 * holds are merged, so every kill loses held readings that only the aggregator's checkpoint
 * brings back: the restarted member must start at the lower of the checkpoint and the committed
 * offset. Then the saver's promises (every acknowledged measurement stored once) and the
 * aggregator's (windows equal the GROUP BY, each revision published once, no alert doubled).
 */
export const inlineAggregatorKill: Scenario = {
  id: 19,
  slug: 'inline-aggregator-kill',
  title:
    'Savers running the aggregator inside (--inline-aggregator) killed in a loop, including after its DB commit',
  promises: ['P1', 'P2', 'P6'],
  async run(run) {
    const ingest = await run.startRole('ingest', 'ingest')
    const inline = run.inlineAggregatorFlags
    const savers = [
      await run.startRole('saver', 'saver-a', inline),
      await run.startRole('saver', 'saver-b', inline),
    ]
    await tightenAlertRule(run)
    run.startLoad(ingest.url)
    await run.sleep(3000)
    let worst = 0
    const kills = run.short ? 4 : 10
    for (let kill = 1; kill <= kills; kill++) {
      await run.sleep(1000 + Math.random() * 3000)
      const killed =
        kill % 2 === 0
          ? await killAfterCommit(run, savers, 'publishing its events (the saver had committed the offsets)')
          : null
      if (killed) worst += 1
      // The harness supervisor may be restarting one that exited on its own: pick a running one.
      const running = savers.filter((saver) => saver.running)
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
    run.check('worst-moment kills landed', worst > 0, `${worst} saver kills after the aggregator's DB commit`)
    run.heal('both savers stay up')
    await run.sleep(run.short ? 3000 : 10_000)
    await checkAggregates(run)
  },
}
