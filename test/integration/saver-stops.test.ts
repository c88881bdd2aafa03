import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { query, startRole } from '../../harness/index.ts'
import { KafkaBroker } from '../../src/broker/kafka/kafka-broker.ts'
import { saverFlags } from '../helpers/saver-flags.ts'
import { createTestDatabase, requireKafka, uniqueName } from '../helpers/services.ts'

describe('saver process, an error retrying cannot fix', () => {
  it('stops with exit code 1 and a message naming the code, without retrying forever', async (t) => {
    const brokers = await requireKafka()
    const database = await createTestDatabase(t)
    const topic = uniqueName('temperatures')
    const saver = await startRole('saver', {
      flags: saverFlags(brokers, database.url, topic, { 'inline-aggregator': false, 'log-level': 'info' }),
    })
    t.after(() => saver.kill())
    // The table goes away under the running saver: every insert now fails with 42P01.
    await query(database.url, 'DROP TABLE measurements CASCADE')
    const producer = new KafkaBroker({
      bootstrapBrokers: brokers,
      clientId: uniqueName('test'),
      requestTimeoutMs: 5000,
    })
    t.after(() => producer.close())
    await producer.publish([
      {
        topic,
        key: 'a',
        value: JSON.stringify({ sensor_id: 'a', temperature: 20, timestamp: '2026-01-01T00:00:00Z' }),
      },
    ])

    const exited = await Promise.race([
      saver.process?.exited,
      new Promise((resolve) => setTimeout(() => resolve('still running'), 60_000)),
    ])
    assert.equal(exited, 1, saver.output())
    const fatal = saver
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{"level":60'))
      .map((line) => JSON.parse(line) as { msg: string })
    assert.equal(fatal.length, 1, saver.output())
    assert.match(
      fatal[0]?.msg ?? '',
      /^saver stopped: saver_.*: stopped on an error retrying cannot fix \(STORAGE_REJECTED: The database refused the statement \(SQLSTATE 42P01\); check its schema and the user's permissions\)/,
    )
    assert.doesNotMatch(saver.output(), /"msg":"batch failed; retrying"/, 'the batch was not retried')
  })
})
