import assert from 'node:assert/strict'
import { rmSync } from 'node:fs'
import { after, before, describe, it, type TestContext } from 'node:test'
import {
  allocateLayout,
  eventually,
  kafkaBootstrap,
  query,
  type RoleProcess,
  Services,
  startRole,
  tempStateDir,
  uniqueName,
} from '../../harness/index.ts'
import { KafkaBroker } from '../../src/broker/kafka/kafka-broker.ts'
import { saverFlags } from '../helpers/saver-flags.ts'
import { createTestDatabase } from '../helpers/services.ts'

/** Longer than the consumer client's own retries (30 × 500 ms plus connect timeouts). */
const OUTAGE_MS = 30_000
/** Readings waiting for the busy saver when the broker dies. */
const BACKLOG = 300_000

/** A saver on its own topic and database, on the private broker. */
async function startSaver(t: TestContext, brokers: string[], inlineAggregator: boolean, batchSize = 5000) {
  const database = await createTestDatabase(t)
  const topic = uniqueName('temperatures')
  const saver = await startRole('saver', {
    flags: saverFlags(brokers, database.url, topic, {
      streams: 'measurements',
      'inline-aggregator': inlineAggregator,
      'aggregate-group': uniqueName('aggregate'),
      'windows-topic': uniqueName('windows'),
      'alerts-topic': uniqueName('alerts'),
      'batch-size': batchSize,
      'log-level': 'info',
    }),
  })
  t.after(() => saver.kill())
  const count = async (sql: string) => Number((await query(database.url, sql))[0]?.n)
  return {
    saver,
    /** Readings `from` … `from + n - 1`, one a second of 2026-01-01 spread over ten sensors, in requests of 5,000. */
    async publish(from: number, n: number) {
      const producer = new KafkaBroker({
        bootstrapBrokers: brokers,
        clientId: uniqueName('test'),
        requestTimeoutMs: 5000,
      })
      const reading = (i: number) => ({
        topic,
        key: `s${i % 10}`,
        value: JSON.stringify({
          sensor_id: `s${i % 10}`,
          temperature: 20,
          timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
        }),
      })
      try {
        for (let first = from; first < from + n; first += 5000) {
          const size = Math.min(5000, from + n - first)
          await producer.publish(Array.from({ length: size }, (_, i) => reading(first + i)))
        }
      } finally {
        await producer.close()
      }
    },
    stored: () => count('SELECT count(*) AS n FROM measurements'),
    distinct: () => count('SELECT count(DISTINCT (sensor_id, ts)) AS n FROM measurements'),
    windowed: () => count("SELECT coalesce(sum(count), 0) AS n FROM measurement_windows WHERE size = '1m'"),
    ready: async () => (await fetch(`${saver.url}/ready`)).status,
  }
}

const withLog = (saver: RoleProcess) => (error: Error) =>
  assert.fail(`${error.message}; ${saver.label}'s log:\n${saver.output().slice(-4000)}`)

/**
 * A broker outage longer than the Kafka client's retries, on a private broker (the shared one on
 * 9092 is never touched). Two savers ride it: one alone, reading a backlog, and one with the
 * window aggregator inside (the default), whose batch waits on publishing window revisions.
 * Both must stay up and not ready, go on when the broker is back, and store (and window) every
 * reading once. Whether the client recovers by itself or its stream fails and the member rejoins
 * its group (`kafka-subscription-rejoin.test.ts`) depends on timing; either way nothing is lost.
 */
describe('savers through a Kafka outage', () => {
  const stateDir = tempStateDir('flowline-outage-test-')
  let services: Services
  let brokers: string[]

  before(async () => {
    services = new Services(await allocateLayout(stateDir))
    await services.kafka.start()
    brokers = [kafkaBootstrap(services.layout)]
  })
  after(async () => {
    await services?.down()
    rmSync(stateDir, { recursive: true, force: true, maxRetries: 10 })
  })

  it('stay up, answer /ready 503, and go on once the broker is back, losing and doubling nothing', async (t) => {
    // Small batches, so that the backlog is still being read when the broker dies.
    const busy = await startSaver(t, brokers, false, 500)
    const inline = await startSaver(t, brokers, true)
    for (const s of [busy, inline]) await s.publish(0, 200)
    for (const s of [busy, inline])
      await eventually(async () => (await s.stored()) === 200, '200 readings stored before the outage')
    await busy.publish(200, BACKLOG)
    await eventually(async () => (await busy.stored()) >= 20_000, 'the backlog being read')

    await services.kafka.kill()
    const killedAt = Date.now()
    const backlogLeft = 200 + BACKLOG - (await busy.stored())
    assert.ok(backlogLeft > 0, 'the outage began before the backlog was stored')
    for (const s of [busy, inline])
      await eventually(async () => (await s.ready()) === 503, '/ready answering 503 while Kafka is down')
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, killedAt + OUTAGE_MS - Date.now())))
    for (const s of [busy, inline])
      assert.equal(s.saver.running, true, `exited during the outage:\n${s.saver.output().slice(-4000)}`)

    await services.kafka.start()
    const total = { busy: 200 + BACKLOG + 300, inline: 500 }
    for (const s of [busy, inline]) {
      await eventually(async () => (await s.ready()) === 200, '/ready answering 200 after the outage', {
        timeoutMs: 90_000,
      }).catch(withLog(s.saver))
      await s.publish(200 + BACKLOG, 300)
    }
    for (const [s, n] of [
      [busy, total.busy],
      [inline, total.inline],
    ] as const)
      await eventually(async () => (await s.stored()) === n, `${n} readings stored after the outage`, {
        timeoutMs: 90_000,
      }).catch(withLog(s.saver))
    await eventually(
      async () => (await inline.windowed()) === total.inline,
      'the windows counting every reading',
      {
        timeoutMs: 90_000,
      },
    ).catch(withLog(inline.saver))
    for (const [s, n] of [
      [busy, total.busy],
      [inline, total.inline],
    ] as const) {
      assert.equal(await s.distinct(), n, 'every stored reading is distinct')
      assert.equal(s.saver.running, true)
      assert.doesNotMatch(s.saver.output(), /"level":60/, 'no fatal log line')
    }
  })
})
