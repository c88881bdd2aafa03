/**
 * Ingest's CPU per request, whole: the Fastify route (inject, no socket), validation, encoding,
 * the coalescer and the embedded log's publish (a temporary directory, fsync), auth off. Requests
 * go in waves of `--concurrency`, so the coalescer shares publishes as under load. The figure is
 * this process's CPU (user + system) over the measured requests, per request.
 *
 * To compare two versions (the 202's receipts, issue 12), copy this file into a checkout of the
 * other commit and run the two in turn, interleaved (A, B, A, B), in the same time window.
 *
 *   node bench/ingest-request-cpu.bench.ts [--requests 20000] [--batches 1,100] [--concurrency 20]
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { EmbeddedBroker } from '../src/broker/embedded/embedded-broker.ts'
import { testIngestApp } from '../test/helpers/ingest-app.ts'

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '20000' },
    batches: { type: 'string', default: '1,100' },
    concurrency: { type: 'string', default: '20' },
  },
})
const requests = Number(values.requests)
const concurrency = Number(values.concurrency)

const directory = await mkdtemp(join(tmpdir(), 'flowline-ingest-cpu-'))
const broker = await EmbeddedBroker.open({ directory })
const topic = 'temperatures'
await broker.ensureTopics([{ name: topic, partitions: 12, replicationFactor: 1 }])
// Ingest as the role builds it (its own coalescer, silent logger), auth off, at most 100 items.
const { app } = await testIngestApp(broker, topic, { maxInFlight: 1_000_000 })

try {
  for (const batch of values.batches.split(',').map(Number)) {
    const body = (wave: number, slot: number) =>
      JSON.stringify(
        Array.from({ length: batch }, (_, i) => ({
          sensor_id: `sensor-${(slot * batch + i) % 500}`,
          temperature: 20 + (i % 10),
          timestamp: Date.now() - wave,
        })),
      )
    const run = async (count: number) => {
      for (let sent = 0, wave = 0; sent < count; sent += concurrency, wave++) {
        const answers = await Promise.all(
          Array.from({ length: Math.min(concurrency, count - sent) }, (_, slot) =>
            app.inject({
              method: 'POST',
              url: '/measurements',
              headers: { 'content-type': 'application/json' },
              payload: body(wave, slot),
            }),
          ),
        )
        for (const answer of answers)
          if (answer.statusCode !== 202) throw new Error(`${answer.statusCode}: ${answer.body}`)
      }
    }
    const count = batch === 1 ? requests : Math.max(concurrency, Math.round(requests / 20))
    await run(Math.round(count / 5))
    const started = process.cpuUsage()
    const wallStarted = performance.now()
    await run(count)
    const used = process.cpuUsage(started)
    const wallMs = performance.now() - wallStarted
    process.stdout.write(
      `${JSON.stringify({
        measurementsPerRequest: batch,
        requests: count,
        cpuUsPerRequest: +((used.user + used.system) / count).toFixed(1),
        cpuUsPerMeasurement: +((used.user + used.system) / count / batch).toFixed(2),
        requestsPerS: Math.round((count / wallMs) * 1000),
      })}\n`,
    )
  }
} finally {
  await app.close()
  await broker.close()
  await rm(directory, { recursive: true, force: true })
}
