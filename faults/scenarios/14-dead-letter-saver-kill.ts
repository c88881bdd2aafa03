import pg from 'pg'
import { KafkaBroker } from '../../src/broker/kafka/kafka-broker.ts'
import type { Scenario } from '../lib/scenario.ts'
import type { ScenarioRun } from '../lib/scenario-run.ts'

/**
 * Writes poison records straight to the measurements topic (ingest would refuse them), as another
 * producer could: four in five fail the schema (temperature 5000), one in five is not JSON. Each
 * is unique, and its timestamp is a number so the order checker leaves it aside. Returns the
 * number the broker acknowledged once `signal` aborts.
 */
async function producePoison(run: ScenarioRun, signal: AbortSignal): Promise<number> {
  const broker = new KafkaBroker({
    bootstrapBrokers: run.bootstrap.split(','),
    clientId: 'flowline-faults-poison',
    requestTimeoutMs: 5000,
  })
  let sent = 0
  try {
    while (!signal.aborted) {
      const records = Array.from({ length: 5 }, (_, index) => {
        const n = sent + index
        const sensor = `${run.source.prefix}-poison-${n}`
        const value =
          n % 5 === 4
            ? `not json ${sensor}`
            : JSON.stringify({ sensor_id: sensor, temperature: 5000, timestamp: Date.now() - 1000 })
        return { topic: run.topic, key: sensor, value }
      })
      await broker.publish(records)
      sent += records.length
      await run.sleep(100)
    }
  } finally {
    await broker.close()
  }
  return sent
}

async function deadLetterCounts(url: string) {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const { rows } = await client.query<{ rows: number; sources: number; entries: number }>(
      `SELECT count(*)::int AS rows,
              count(DISTINCT (source_topic, source_partition, source_offset))::int AS sources,
              count(DISTINCT (errors_topic, errors_partition, errors_offset))::int AS entries
       FROM dead_letters`,
    )
    return rows[0] ?? { rows: 0, sources: 0, entries: 0 }
  } finally {
    await client.end()
  }
}

/**
 * The dead-letter saver SIGKILLed at random moments while the saver keeps dead-lettering poison
 * records, and restarted each time. Its batches commit offsets after the database transaction,
 * so a kill redelivers the uncommitted entries and the insert skips them: in the end every
 * errors-topic entry, and every poison record, is one row of `dead_letters`.
 */
export const deadLetterSaverKill: Scenario = {
  id: 14,
  slug: 'dead-letter-saver-kill',
  title: 'Dead-letter saver killed in a loop while poison records are dead-lettered',
  promises: ['P1', 'P2'],
  async run(run) {
    // A role took 65-90 s to answer /health on the shared 2-core machine (load 20-27); the default 90 s was too short.
    const patience = 240_000
    const ingest = await run.startRole('ingest', 'ingest', {}, patience)
    await run.startRole('saver', 'saver', {}, patience)
    const keeper = await run.startRole('dead-letter-saver', 'dead-letter-saver', {}, patience)
    run.startLoad(ingest.url)
    const stopPoison = new AbortController()
    const poison = producePoison(run, stopPoison.signal)
    await run.sleep(2000)
    const kills = run.short ? 4 : 12
    for (let kill = 1; kill <= kills; kill++) {
      await run.sleep(500 + Math.random() * 2500)
      await keeper.kill()
      run.event('fault', `dead-letter-saver SIGKILLed (${kill} of ${kills})`)
      await run.sleep(200 + Math.random() * 1000)
      await keeper.start()
      run.event('dead-letter-saver restarted', `pid ${keeper.pid}`)
    }
    stopPoison.abort()
    const sent = await poison
    run.heal('the dead-letter saver stays up')
    const [entries] = await run.probe.endOffsets(`${run.topic}-errors`, 1)
    let counts = await deadLetterCounts(run.databaseUrl)
    for (let waited = 0; waited < 240 && counts.rows < sent; waited++) {
      await run.sleep(500)
      counts = await deadLetterCounts(run.databaseUrl)
    }
    await run.sleep(2000) // a late copy would show up here
    counts = await deadLetterCounts(run.databaseUrl)
    run.metrics.poisonSent = sent
    run.metrics.errorsTopicEntries = Number(entries ?? 0n)
    run.metrics.deadLetterRows = counts.rows
    run.metrics.deadLetterSaverKills = kills
    run.check(
      'every poison record is one dead letter',
      counts.rows === sent && counts.sources === sent,
      `${sent} poison records sent, ${counts.rows} dead letters, ${counts.sources} distinct source records`,
    )
    run.check(
      'every errors-topic entry is stored once',
      counts.entries === counts.rows && counts.rows === Number(entries ?? 0n),
      `${entries ?? 0n} entries on the errors topic, ${counts.entries} distinct in dead_letters, ${counts.rows} rows`,
    )
  },
}
