/**
 * Throughput of the embedded log: concurrent publishers (each publish waits for its fsync), then
 * one consumer reading everything back and committing each batch.
 *
 *   npx node bench/embedded-log.bench.ts [--records 200000] [--publishers 16] [--batches 100,1000]
 *                                        [--partitions 4] [--dir /path/on/the/disk/to/measure]
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { EmbeddedBroker } from '../src/broker/embedded/embedded-broker.ts'
import { BENCH_TOPIC, perSecond, recordBatches } from './lib/log-records.ts'

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '200000' },
    publishers: { type: 'string', default: '16' },
    batches: { type: 'string', default: '100,1000' },
    partitions: { type: 'string', default: '4' },
    dir: { type: 'string', default: tmpdir() },
  },
})
const total = Number(args.records)
const publishers = Number(args.publishers)
const partitions = Number(args.partitions)
const topic = BENCH_TOPIC

async function run(batchSize: number): Promise<void> {
  const directory = await mkdtemp(join(args.dir, 'flowline-bench-'))
  const broker = await EmbeddedBroker.open({ directory })
  try {
    await broker.ensureTopics([{ name: topic, partitions, replicationFactor: 1 }])
    const batches = recordBatches(total, batchSize)
    const calls = batches.length
    let nextCall = 0
    const loopDelay = monitorEventLoopDelay({ resolution: 1 })
    loopDelay.enable()
    const publishStart = performance.now()
    // Each publisher takes the next batch once its previous publish is durable, like ingest does.
    await Promise.all(
      Array.from({ length: publishers }, async () => {
        for (let call = nextCall++; call < calls; call = nextCall++) await broker.publish(batches[call] ?? [])
      }),
    )
    const publishMs = performance.now() - publishStart
    loopDelay.disable()
    const { records, syncs } = broker.stats()

    const subscription = await broker.subscribe({
      groupId: 'bench',
      topics: [topic],
      maxBatch: 1000,
      maxWaitMs: 10,
    })
    const consumeStart = performance.now()
    let consumed = 0
    for await (const batch of subscription) {
      consumed += batch.records.length
      await batch.commit()
      if (consumed >= total) break
    }
    const consumeMs = performance.now() - consumeStart
    await subscription.close()

    console.log(
      [
        `batch ${batchSize}, ${publishers} publishers, ${partitions} partitions:`,
        `  publish  ${records.toLocaleString('en-US')} records in ${Math.round(publishMs)} ms: ${perSecond(records, publishMs)} records/s,`,
        `           event loop blocked at most ${(loopDelay.max / 1e6).toFixed(1)} ms (p99 ${(loopDelay.percentile(99) / 1e6).toFixed(1)} ms)`,
        `           ${syncs} fsyncs (${perSecond(syncs, publishMs)}/s, ${(records / syncs).toFixed(1)} records each) for ${calls} publish calls`,
        `  consume  ${consumed.toLocaleString('en-US')} records in ${Math.round(consumeMs)} ms: ${perSecond(consumed, consumeMs)} records/s (commit per batch of up to 1000)`,
      ].join('\n'),
    )
  } finally {
    await broker.close()
    await rm(directory, { recursive: true, force: true })
  }
}

console.log(`embedded log, ${total.toLocaleString('en-US')} records of ~90 bytes, data in ${args.dir}`)
for (const batchSize of args.batches.split(',').map(Number)) await run(batchSize)
