import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, it, type TestContext } from 'node:test'
import type { RecordBatch, Subscription } from '../../../src/broker/broker.ts'
import { EmbeddedBroker, type EmbeddedBrokerOptions } from '../../../src/broker/embedded/embedded-broker.ts'
import { LogLockedError, UnknownTopicError } from '../../../src/broker/embedded/embedded-errors.ts'
import { BrokerUnavailableError } from '../../../src/errors.ts'
import { tempDirectory } from './temp-directory.ts'

async function openBroker(t: TestContext, options: Partial<EmbeddedBrokerOptions> = {}) {
  const directory = options.directory ?? (await tempDirectory(t))
  const broker = await EmbeddedBroker.open({ ...options, directory })
  t.after(() => broker.close())
  return { broker, directory }
}

const records = (topic: string, count: number, key = (index: number) => `key-${index % 4}`) =>
  Array.from({ length: count }, (_, index) => ({ topic, key: key(index), value: `value ${index}` }))

/** The next batch of a subscription's single iterator, or undefined after `timeoutMs`. */
function batches(subscription: Subscription) {
  const iterator = subscription[Symbol.asyncIterator]()
  let pending: Promise<IteratorResult<RecordBatch>> | undefined
  return async (timeoutMs = 2000): Promise<RecordBatch | undefined> => {
    pending ??= iterator.next()
    let timer: NodeJS.Timeout | undefined
    const result = await Promise.race([
      pending,
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), timeoutMs)
      }),
    ])
    clearTimeout(timer)
    if (result === undefined) return undefined
    pending = undefined
    return result.done ? undefined : result.value
  }
}

describe('embedded broker', () => {
  it('refuses a directory another instance of this process has open', async (t) => {
    const { directory } = await openBroker(t)
    await assert.rejects(EmbeddedBroker.open({ directory }), LogLockedError)
  })

  it('refuses a directory locked by another live process, and takes over once it died', async (t) => {
    const directory = await tempDirectory(t)
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' })
    t.after(() => other.kill('SIGKILL'))
    await writeFile(join(directory, 'broker.lock'), `${other.pid}\n`)
    await assert.rejects(EmbeddedBroker.open({ directory }), (error: Error) => {
      assert.ok(error instanceof LogLockedError)
      assert.match(error.message, new RegExp(`process ${other.pid}`))
      return true
    })
    other.kill('SIGKILL')
    await new Promise((resolve) => other.once('exit', resolve))
    const broker = await EmbeddedBroker.open({ directory })
    await broker.close()
  })

  it('group-commits concurrent publishers into few fsyncs', async (t) => {
    const { broker } = await openBroker(t)
    await broker.ensureTopics([{ name: 'events', partitions: 1, replicationFactor: 1 }])
    const publishers = 16
    const callsEach = 20
    await Promise.all(
      Array.from({ length: publishers }, async (_, publisher) => {
        for (let call = 0; call < callsEach; call++)
          await broker.publish(records('events', 10, () => `p${publisher}`))
      }),
    )
    const stats = broker.stats()
    assert.equal(stats.records, publishers * callsEach * 10)
    assert.equal(stats.syncs, stats.writes)
    assert.ok(stats.syncs <= callsEach + 1, `${stats.syncs} fsyncs for ${publishers * callsEach} calls`)
  })

  it('refuses unknown topics, and everything once closed', async (t) => {
    const { broker } = await openBroker(t)
    await assert.rejects(broker.publish(records('nowhere', 1)), UnknownTopicError)
    await broker.ensureTopics([{ name: 'events', partitions: 2, replicationFactor: 1 }])
    const subscription = await broker.subscribe({
      groupId: 'g',
      topics: ['events'],
      maxBatch: 10,
      maxWaitMs: 10,
    })
    const next = batches(subscription)
    const ended = next(5000)
    assert.equal(await broker.isReachable(), true)
    await broker.close()
    assert.equal(await ended, undefined, 'the iteration ends on close')
    assert.equal(await broker.isReachable(), false)
    await assert.rejects(broker.publish(records('events', 1)), BrokerUnavailableError)
  })

  it('never moves a committed offset backwards', async (t) => {
    const { broker, directory } = await openBroker(t)
    await broker.ensureTopics([{ name: 'events', partitions: 1, replicationFactor: 1 }])
    await broker.publish(records('events', 20))
    const subscription = await broker.subscribe({
      groupId: 'g',
      topics: ['events'],
      maxBatch: 5,
      maxWaitMs: 10,
    })
    const next = batches(subscription)
    const first = await next()
    const second = await next()
    assert.ok(first && second)
    await second.commit()
    await first.commit()
    await broker.close()

    const { broker: reopened } = await openBroker(t, { directory })
    const again = await reopened.subscribe({ groupId: 'g', topics: ['events'], maxBatch: 5, maxWaitMs: 10 })
    assert.equal((await batches(again)())?.records[0]?.offset, 10n)
    assert.deepEqual(await again.lag(), [{ topic: 'events', partition: 0, lag: 10 }])
  })

  it('moves a consumer that fell behind retention to the earliest kept offset', async (t) => {
    const { broker } = await openBroker(t, { segmentBytes: 1000, retentionBytes: 2000 })
    await broker.ensureTopics([{ name: 'events', partitions: 1, replicationFactor: 1 }])
    for (let i = 0; i < 30; i++) await broker.publish(records('events', 5))
    await broker.enforceRetention()
    const subscription = await broker.subscribe({
      groupId: 'late',
      topics: ['events'],
      maxBatch: 1000,
      maxWaitMs: 10,
    })
    const [lag] = await subscription.lag()
    const batch = await batches(subscription)()
    assert.ok(batch)
    const first = batch.records[0]?.offset ?? 0n
    assert.ok(first > 0n, 'the oldest records are gone')
    assert.equal(batch.records.at(-1)?.offset, 149n)
    assert.equal(lag?.lag, Number(150n - first))
  })

  it('hands a partition to a new member only after the old one is done with its batch', async (t) => {
    const { broker } = await openBroker(t)
    await broker.ensureTopics([{ name: 'events', partitions: 2, replicationFactor: 1 }])
    await broker.publish(records('events', 40, (index) => `key-${index % 8}`))
    const options = { groupId: 'g', topics: ['events'], maxBatch: 1000, maxWaitMs: 20 }
    const first = await broker.subscribe(options)
    const nextOfFirst = batches(first)
    const held = await nextOfFirst()
    assert.equal(
      new Set(held?.records.map((record) => record.partition)).size,
      2,
      'the first member reads both',
    )

    const second = await broker.subscribe(options)
    const nextOfSecond = batches(second)
    // The group's state, not a wait for nothing to happen: the newcomer owns no partition while
    // the first member still holds an uncommitted batch from both.
    assert.deepEqual(await second.lag(), [], 'nothing moves while the first member holds its batch')
    assert.deepEqual(
      (await first.lag()).map((lag) => lag.partition),
      [0, 1],
    )
    // Asking for the next batch ends the first member's hold on the partition dealt away.
    const pendingOfFirst = nextOfFirst(300)
    const taken = await nextOfSecond(2000)
    assert.ok(taken, 'the second member gets the released partition')
    const moved = new Set(taken.records.map((record) => record.partition))
    assert.equal(moved.size, 1)
    const expected = held?.records
      .filter((record) => moved.has(record.partition))
      .map((record) => record.offset)
    assert.deepEqual(
      taken.records.map((record) => record.offset),
      expected,
      'uncommitted records come again from the committed offset',
    )
    assert.deepEqual(
      (await first.lag()).map((lag) => lag.partition),
      [0, 1].filter((partition) => !moved.has(partition)),
      'the first member keeps only its own partition',
    )
    assert.deepEqual(
      (await second.lag()).map((lag) => lag.partition),
      [...moved],
    )
    // Nothing new was published, so the first member's pending read ends empty when the wait is over.
    assert.equal(await pendingOfFirst, undefined)
  })
})
