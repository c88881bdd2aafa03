import { checkAlive, checkBrokerOutage } from '../lib/outage.ts'
import type { Scenario } from '../lib/scenario.ts'

/**
 * The only broker is SIGKILLed for 60 s and started again. Meanwhile ingest must refuse with
 * 503 + Retry-After (never 202: nothing can be acknowledged with acks=all), then resume; the
 * saver waits and catches up. Nothing acknowledged before the outage may be lost.
 */
export const kafkaDown: Scenario = {
  id: 3,
  slug: 'kafka-down',
  title: 'Kafka broker killed for 60 s, then restarted',
  promises: ['P1', 'P3', 'P4'],
  async run(run) {
    const ingest = await run.startRole('ingest', 'ingest')
    const saver = await run.startRole('saver', 'saver')
    run.sampleLag()
    run.startLoad(ingest.url)
    await run.sleep(5000)
    await run.services.kafka.kill()
    const downFrom = Date.now()
    run.event('fault', 'Kafka SIGKILLed (services.sh kafka-kill)')
    await run.sleep(run.short ? 10_000 : 60_000)
    const downUntil = Date.now()
    run.event('healing', 'starting Kafka (services.sh kafka-start)')
    await run.services.kafka.start()
    run.heal('Kafka is up again')
    await run.sleep(run.short ? 5000 : 15_000)
    checkBrokerOutage(run, downFrom, downUntil, 'Kafka is down')
    checkAlive(run, [ingest, saver])
  },
}
