import type { Scenario } from '../lib/scenario.ts'

/**
 * The ingest process is SIGKILLed every few seconds, at a moment when requests are in flight,
 * and restarted on the same port. Those requests end unknown (some were already in Kafka);
 * nothing ingest answered 202 may be lost, and nothing may be stored twice.
 */
export const ingestKill: Scenario = {
  id: 1,
  slug: 'ingest-kill',
  title: 'Ingest SIGKILLed and restarted every few seconds',
  promises: ['P1', 'P2', 'P3'],
  async run(run) {
    const ingest = await run.startRole('ingest', 'ingest')
    await run.startRole('saver', 'saver')
    run.sampleLag()
    const load = run.startLoad(ingest.url, { ratePerS: 100, itemsPerRequest: 20 })
    await run.sleep(run.short ? 3000 : 5000)
    const kills = run.short ? 3 : 12
    for (let kill = 1; kill <= kills; kill++) {
      // Aim at requests in flight: wait (at most 2 s) until a few are.
      for (let waited = 0; waited < 200 && load.inFlight < 3; waited++) await run.sleep(10)
      const inFlight = load.inFlight
      await ingest.kill()
      run.event('fault', `ingest SIGKILL #${kill} with ${inFlight} requests in flight`)
      await run.sleep(200 + Math.random() * 1000)
      await ingest.start()
      run.event('ingest restarted', `pid ${ingest.pid}`)
      await run.sleep(1500 + Math.random() * 2500)
    }
    run.heal('ingest stays up')
    await run.sleep(run.short ? 3000 : 8000)
    run.metrics.kills = kills
    const reset = run.history.records.filter(
      (record) => record.status === 0 && record.error !== 'ECONNREFUSED',
    ).length
    run.check(
      'kills hit requests in flight',
      reset > 0,
      `${reset} requests lost their connection mid-way (besides those refused while ingest was down)`,
      true,
    )
  },
}
