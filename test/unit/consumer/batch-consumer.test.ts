import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { pino } from 'pino'
import type { RecordBatch, Subscription } from '../../../src/broker/broker.ts'
import { BatchLoopStoppedError, runBatchConsumer } from '../../../src/consumer/batch-consumer.ts'
import { StorageRejectedError, StorageUnavailableError } from '../../../src/errors.ts'
import { createLogger } from '../../../src/observability/logger.ts'
import { createMetrics } from '../../../src/observability/metrics.ts'

/**
 * A unit test of the loop's ordering rules alone: batches come from a list and the handler is
 * driven by hand. The loop on real Kafka and PostgreSQL is covered by test/integration/saver.test.ts
 * and the pipeline tests.
 */
function listedBatches(count: number) {
  const committed: number[] = []
  let closed = false
  const batches: RecordBatch[] = Array.from({ length: count }, (_, index) => ({
    records: [
      {
        topic: 't',
        partition: 0,
        offset: BigInt(index),
        key: null,
        value: Buffer.from(String(index)),
        timestampMs: 0,
      },
    ],
    commit: async () => {
      committed.push(index)
    },
  }))
  const subscription: Subscription = {
    async *[Symbol.asyncIterator]() {
      for (const batch of batches) {
        if (closed) return
        yield batch
      }
      // Like a live topic: no more records, the iterator waits until the subscription closes.
      while (!closed) await new Promise((resolve) => setTimeout(resolve, 5))
    },
    lag: async () => [],
    close: async () => {
      closed = true
    },
  }
  return { subscription, committed }
}

const indexOf = (batch: RecordBatch) => Number(batch.records[0]?.offset)
const until = async (condition: () => boolean) => {
  for (let i = 0; i < 400 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5))
  assert.ok(condition(), 'condition not reached within 2 s')
}

function consumer(
  subscription: Subscription,
  handle: (batch: RecordBatch) => Promise<void>,
  readAhead: number,
  prepare?: (batch: RecordBatch) => undefined,
) {
  return runBatchConsumer({
    name: 'test',
    subscription,
    prepare,
    handle,
    logger: createLogger('silent', 'test'),
    metrics: createMetrics(),
    maxBackoffMs: 20,
    readAhead,
  })
}

describe('runBatchConsumer', () => {
  it('prepares the next batch while one is written, and writes and commits in read order', async () => {
    const { subscription, committed } = listedBatches(3)
    const prepared: number[] = []
    const finish = new Map<number, () => void>()
    const loop = consumer(
      subscription,
      (batch) => new Promise<void>((resolve) => finish.set(indexOf(batch), resolve)),
      1,
      (batch) => {
        prepared.push(indexOf(batch))
        return undefined
      },
    )
    await until(() => prepared.length === 2)
    assert.deepEqual([...finish.keys()], [0], 'batch 1 is prepared, not written, while batch 0 is written')
    finish.get(0)?.()
    await until(() => finish.size === 2)
    assert.deepEqual(committed, [0])
    assert.deepEqual(prepared, [0, 1, 2], 'batch 2 is prepared while batch 1 is written')
    finish.get(1)?.()
    await until(() => finish.size === 3)
    finish.get(2)?.()
    await until(() => committed.length === 3)
    await loop.stop()
    assert.deepEqual(committed, [0, 1, 2])
  })

  it('retries a failing batch, writes nothing after it meanwhile and reads only the read-ahead', async () => {
    const { subscription, committed } = listedBatches(5)
    const tries = new Map<number, number>()
    const handled: number[] = []
    let readWhileFailing: boolean | undefined
    const loop = consumer(
      subscription,
      async (batch) => {
        const index = indexOf(batch)
        handled.push(index)
        tries.set(index, (tries.get(index) ?? 0) + 1)
        if (index === 1 && (tries.get(1) ?? 0) < 4) throw new Error('database down')
      },
      1,
      (batch) => {
        if (indexOf(batch) === 3) readWhileFailing = (tries.get(1) ?? 0) < 4
        return undefined
      },
    )
    await until(() => committed.length === 5)
    await loop.stop()
    assert.deepEqual(handled, [0, 1, 1, 1, 1, 2, 3, 4])
    assert.equal(readWhileFailing, false, 'batch 3 was read only once batch 1 was written')
    assert.deepEqual(committed, [0, 1, 2, 3, 4])
  })

  it('on stop, writes and commits nothing after a batch it had to abandon', async () => {
    const { subscription, committed } = listedBatches(3)
    const handled: number[] = []
    const loop = consumer(
      subscription,
      async (batch) => {
        handled.push(indexOf(batch))
        if (indexOf(batch) === 0) throw new Error('database down')
      },
      1,
    )
    await until(() => handled.length >= 3)
    await loop.stop()
    assert.deepEqual(committed, [])
    assert.deepEqual(
      new Set(handled),
      new Set([0]),
      'only batch 0 was tried (again and again); batch 1 was never written: that would store records out of order',
    )
    await loop.done
  })

  it('retries a retryable Flowline error, and an unclassified one', async () => {
    const { subscription, committed } = listedBatches(2)
    const tries: number[] = []
    const loop = consumer(
      subscription,
      async (batch) => {
        tries.push(indexOf(batch))
        if (tries.length === 1) throw new StorageUnavailableError('The database cannot be reached')
        if (tries.length === 2) throw new Error('something a driver reported oddly')
      },
      0,
    )
    await until(() => committed.length === 2)
    await loop.stop()
    assert.deepEqual(tries, [0, 0, 0, 1])
    assert.deepEqual(committed, [0, 1])
  })

  it('stops on an error that says it is final, commits nothing from that batch on, and says why', async () => {
    const { subscription, committed } = listedBatches(4)
    const tries: number[] = []
    const loop = consumer(
      subscription,
      async (batch) => {
        tries.push(indexOf(batch))
        if (indexOf(batch) === 1)
          throw new StorageRejectedError('The database refused the statement (SQLSTATE 42P01)')
      },
      1,
    )
    await assert.rejects(loop.done, (error: Error) => {
      assert.ok(error instanceof BatchLoopStoppedError)
      assert.ok(error.cause instanceof StorageRejectedError)
      assert.equal(
        error.message,
        'test: stopped on an error retrying cannot fix (STORAGE_REJECTED: The database refused the statement (SQLSTATE 42P01)); the batch stays uncommitted and is read again after a restart',
      )
      return true
    })
    await loop.stop()
    assert.deepEqual(tries, [0, 1], 'batch 1 was tried once, batch 2 never')
    assert.deepEqual(committed, [0])
  })

  it('does not report a batch as committed when its offset commit gave up', async () => {
    const { subscription } = listedBatches(1)
    const failing: Subscription = {
      async *[Symbol.asyncIterator]() {
        for await (const batch of subscription)
          yield {
            ...batch,
            commit: async () => {
              throw new Error('not the owner of this partition any more')
            },
          }
      },
      lag: subscription.lag,
      close: subscription.close,
    }
    const lines: Array<{ msg: string }> = []
    const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line)) })
    const loop = runBatchConsumer({
      name: 'test',
      subscription: failing,
      handle: async () => {},
      logger,
      metrics: createMetrics(),
      maxBackoffMs: 20,
    })
    await until(() => lines.some((line) => line.msg.startsWith('offset commit gave up')))
    await loop.stop()
    const messages = lines.map((line) => line.msg)
    assert.equal(messages.filter((msg) => msg === 'offset commit failed').length, 3)
    assert.ok(!messages.includes('batch committed'), messages.join('\n'))
  })
})
