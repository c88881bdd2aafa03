import { checkAlive, checkBrokerOutage } from '../lib/outage.ts'
import type { Scenario } from '../lib/scenario.ts'

/**
 * The broker is frozen with SIGSTOP for 30 s, then SIGCONT: its sockets stay open and nothing
 * answers, the worst case for timeouts. Ingest must refuse (503/429 + Retry-After, never 202)
 * and hold no hidden buffer; requests it timed out may still land when the broker wakes up
 * (unknown), and everything acknowledged must be stored once.
 */
export const brokerPause: Scenario = {
  id: 5,
  slug: 'broker-pause',
  title: 'Kafka broker paused with SIGSTOP for 30 s, then SIGCONT',
  promises: ['P1', 'P2', 'P3', 'P4'],
  async run(run) {
    const ingest = await run.startRole('ingest', 'ingest')
    const saver = await run.startRole('saver', 'saver')
    run.sampleLag()
    run.startLoad(ingest.url)
    await run.sleep(5000)
    const pid = run.services.kafka.pid()
    run.services.kafka.pause()
    const pausedFrom = Date.now()
    run.event('fault', `Kafka broker (pid ${pid}) SIGSTOPped`)
    let pausedUntil = pausedFrom
    try {
      await run.sleep(run.short ? 10_000 : 30_000)
      pausedUntil = Date.now()
    } finally {
      run.services.kafka.resume()
    }
    run.heal(`Kafka broker (pid ${pid}) SIGCONTinued`)
    await run.sleep(run.short ? 5000 : 15_000)
    // Requests already waiting on the frozen broker when it stopped may still be acknowledged
    // after it wakes up; only those sent once it was frozen and answered before it woke count.
    checkBrokerOutage(run, pausedFrom, pausedUntil, 'the broker is frozen')
    checkAlive(run, [ingest, saver])
  },
}
