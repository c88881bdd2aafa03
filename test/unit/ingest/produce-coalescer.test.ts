import assert from 'node:assert/strict'
import { EventEmitter, once } from 'node:events'
import { describe, it } from 'node:test'
import type { Broker, OutgoingRecord } from '../../../src/broker/broker.ts'
import { BrokerUnavailableError, OverloadedError } from '../../../src/errors.ts'
import { createLogger } from '../../../src/observability/logger.ts'
import { createMetrics } from '../../../src/observability/metrics.ts'
import { ProduceCoalescer } from '../../../src/roles/ingest/produce-coalescer.ts'

/**
 * A unit test of the coalescing logic alone: the broker here is a hand-driven gate, so the test
 * can hold a publish open. Real Kafka behaviour is covered by test/integration/ingest-api.test.ts.
 */
function gatedBroker() {
  const calls: OutgoingRecord[][] = []
  const gates: Array<{ open: () => void; fail: (error: Error) => void }> = []
  const onPublish = new EventEmitter()
  const broker = {
    publish: (records: readonly OutgoingRecord[]) =>
      new Promise<void>((resolve, reject) => {
        calls.push([...records])
        gates.push({ open: resolve, fail: reject })
        onPublish.emit('publish')
      }),
  } as unknown as Broker
  /** Resolves once `count` publish calls have been made. */
  const published = async (count: number) => {
    while (calls.length < count) await once(onPublish, 'publish')
  }
  return { broker, calls, gates, published }
}

const record = (key: string): OutgoingRecord => ({ topic: 't', key, value: key })
const tick = () => new Promise((resolve) => setImmediate(resolve))

function coalescer(
  broker: Broker,
  overrides: Partial<{
    maxInFlightRecords: number
    maxBatchRecords: number
    timeoutMs: number
    lingerMs: number
    refusal: () => string | undefined
  }> = {},
) {
  return new ProduceCoalescer({
    broker,
    metrics: createMetrics(),
    logger: createLogger('silent', 'test'),
    maxInFlightRecords: 100,
    maxBatchRecords: 10,
    timeoutMs: 10_000,
    ...overrides,
  })
}

describe('ProduceCoalescer', () => {
  it('sends the first request at once and gathers those that arrive meanwhile into the next publish', async () => {
    const { broker, calls, gates } = gatedBroker()
    const queue = coalescer(broker)
    const first = queue.submit([record('a')])
    await tick()
    const waiting = [queue.submit([record('b')]), queue.submit([record('c'), record('d')])]
    await tick()
    assert.equal(calls.length, 1)
    gates[0]?.open()
    await first
    await tick()
    assert.deepEqual(
      calls[1]?.map((r) => r.key),
      ['b', 'c', 'd'],
    )
    gates[1]?.open()
    await Promise.all(waiting)
    assert.equal(queue.inFlightRecords, 0)
  })

  it('never splits a request and keeps publishes under the batch cap', async () => {
    const { broker, calls, gates } = gatedBroker()
    const queue = coalescer(broker, { maxBatchRecords: 4 })
    const all = [queue.submit([record('x')])]
    await tick()
    for (const size of [3, 3, 2])
      all.push(queue.submit(Array.from({ length: size }, (_, i) => record(`${size}${i}`))))
    for (let i = 0; i < 4; i++) {
      gates[i]?.open()
      await tick()
      await tick()
    }
    await Promise.all(all)
    assert.deepEqual(
      calls.map((c) => c.length),
      [1, 3, 3, 2],
    )
  })

  it('fails every request of a failed publish with the broker error', async () => {
    const { broker, gates } = gatedBroker()
    const queue = coalescer(broker)
    const pending = queue.submit([record('a')])
    await tick()
    gates[0]?.fail(new BrokerUnavailableError('down'))
    await assert.rejects(pending, BrokerUnavailableError)
    assert.equal(queue.inFlightRecords, 0)
  })

  it('while a failing broker is probed by one publish, refuses the rest at once with 503, then accepts again', async () => {
    const { broker, calls, gates, published } = gatedBroker()
    const queue = coalescer(broker)
    const first = queue.submit([record('a')])
    await tick()
    gates[0]?.fail(new BrokerUnavailableError('down'))
    await assert.rejects(first, BrokerUnavailableError)
    // Nothing on its way: the next request is sent, and probes the broker.
    assert.equal(queue.refusalBeforeReading(), undefined)
    const probe = queue.submit([record('b')])
    await published(2)
    assert.ok(queue.refusalBeforeReading() instanceof BrokerUnavailableError, 'refused before reading')
    await assert.rejects(queue.submit([record('c')]), BrokerUnavailableError)
    assert.equal(queue.inFlightRecords, 1, 'a refused request holds nothing')
    gates[1]?.open()
    await probe
    await tick()
    // The probe went through: requests join the publishes again, even while one is on its way.
    assert.equal(queue.refusalBeforeReading(), undefined)
    const sent = [queue.submit([record('d')])]
    await published(3)
    assert.equal(queue.refusalBeforeReading(), undefined)
    sent.push(queue.submit([record('e')]))
    gates[2]?.open()
    await published(4)
    gates[3]?.open()
    await Promise.all(sent)
    assert.deepEqual(
      calls.map((batch) => batch.map((r) => r.key)),
      [['a'], ['b'], ['d'], ['e']],
    )
  })

  it('treats a request that timed out as a failing broker: while its publish hangs, the next is refused at once', async () => {
    const { broker, gates } = gatedBroker()
    const queue = coalescer(broker, { timeoutMs: 30 })
    const stuck = queue.submit([record('a')])
    await assert.rejects(stuck, BrokerUnavailableError)
    const started = performance.now()
    await assert.rejects(queue.submit([record('b')]), /not acknowledging/)
    assert.ok(performance.now() - started < 25, 'refused without waiting for the timeout')
    gates[0]?.open()
    await tick()
    assert.equal(queue.inFlightRecords, 0)
    assert.equal(queue.refusalBeforeReading(), undefined, 'nothing on its way: the next request probes')
  })

  it('answers 503 at the deadline but counts the records until the publish settles, then refuses with 429', async () => {
    const { broker, calls, gates } = gatedBroker()
    const queue = coalescer(broker, { maxInFlightRecords: 3, timeoutMs: 30 })
    const stuck = queue.submit([record('a'), record('b')])
    await assert.rejects(stuck, BrokerUnavailableError)
    assert.equal(queue.inFlightRecords, 2, 'the stalled publish still holds its records')
    await assert.rejects(queue.submit([record('c'), record('d')]), OverloadedError)
    // A queued request that times out before it was sent is dropped and never published.
    const queued = queue.submit([record('e')])
    await assert.rejects(queued, BrokerUnavailableError)
    assert.equal(queue.inFlightRecords, 2)
    gates[0]?.open()
    await tick()
    assert.equal(queue.inFlightRecords, 0)
    assert.equal(calls.length, 1)
  })

  it('refuses before a body is read only what any request would be refused now: a full budget or a closed gate', async () => {
    const { broker, gates } = gatedBroker()
    let closedBecause: string | undefined
    const queue = coalescer(broker, { maxInFlightRecords: 3, refusal: () => closedBecause })
    assert.equal(queue.refusalBeforeReading(), undefined)
    const sent = queue.submit([record('a'), record('b')])
    // One record of budget left: a small request may still fit, so only `submit` can tell.
    assert.equal(queue.refusalBeforeReading(), undefined)
    await assert.rejects(queue.submit([record('c'), record('d')]), OverloadedError)
    const last = queue.submit([record('c')])
    assert.ok(queue.refusalBeforeReading() instanceof OverloadedError, 'the budget is full')
    closedBecause = 'the saver is 9 measurements behind (bound 5)'
    gates[0]?.open()
    await sent
    await tick()
    gates[1]?.open()
    await last
    assert.equal(queue.inFlightRecords, 0)
    assert.match(queue.refusalBeforeReading()?.message ?? '', /the saver is 9 measurements behind/)
    await assert.rejects(queue.submit([record('e')]), /the saver is 9 measurements behind/)
    closedBecause = undefined
    assert.equal(queue.refusalBeforeReading(), undefined)
  })

  it('lingers for company: requests arriving within lingerMs share one publish', async () => {
    const { broker, calls, gates, published } = gatedBroker()
    // The linger is long next to the few ticks the test needs, so a slow machine cannot make the
    // requests miss it; the publish itself is awaited as an event, not guessed with a sleep.
    const lingerMs = 400
    const queue = coalescer(broker, { lingerMs })
    const startedAt = performance.now()
    const sent = [queue.submit([record('a')])]
    await tick()
    sent.push(queue.submit([record('b')]))
    await tick()
    sent.push(queue.submit([record('c')]))
    assert.equal(calls.length, 0, 'nothing leaves before the linger is over')
    await published(1)
    assert.ok(performance.now() - startedAt >= lingerMs - 5, 'the publish waited for the linger')
    assert.deepEqual(
      calls.map((call) => call.map((r) => r.key)),
      [['a', 'b', 'c']],
    )
    gates[0]?.open()
    await Promise.all(sent)
  })

  it('stops lingering as soon as a full batch is queued', async () => {
    const { broker, calls, gates } = gatedBroker()
    const queue = coalescer(broker, { lingerMs: 60_000, maxBatchRecords: 3 })
    const sent = [queue.submit([record('a')]), queue.submit([record('b'), record('c')])]
    await tick()
    assert.deepEqual(
      calls.map((call) => call.map((r) => r.key)),
      [['a', 'b', 'c']],
    )
    gates[0]?.open()
    await Promise.all(sent)
  })
})
