/**
 * Stock movements applied per second by one saver process (`--streams stock-movements`), beside
 * the measurement saver's rate, on the shared Kafka and PostgreSQL (`npm run bench -- --only stock`
 * runs the same on private services). Each round fills a fresh topic with a backlog, starts the
 * saver in this process and times the drain until every record is in the database; the two
 * streams alternate so that both see the same machine load. Each line also gives the steady rate
 * (first row to last, without the group join) and the CPU per record of this process and of the
 * PostgreSQL backends: on a shared machine CPU per record is the figure that compares.
 *
 *   node bench/stock-movements.bench.ts [--records 100000] [--skus 10000] [--rounds 2] [--only stock-movements|measurements]
 */
import { parseArgs } from 'node:util'
import {
  requireReachable,
  SHARED_DATABASE_URL,
  SHARED_KAFKA_BROKERS,
  scratchDatabase,
  uniqueName,
} from '../harness/index.ts'
import { KafkaBroker } from '../src/broker/kafka/kafka-broker.ts'
import { type DrainedStream, drainStream } from './lib/stock-drain.ts'

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '100000' },
    skus: { type: 'string', default: '10000' },
    rounds: { type: 'string', default: '2' },
    only: { type: 'string' },
  },
})
await requireReachable('Kafka', SHARED_KAFKA_BROKERS[0] ?? '')
const broker = new KafkaBroker({
  bootstrapBrokers: [...SHARED_KAFKA_BROKERS],
  clientId: uniqueName('bench'),
  requestTimeoutMs: 10_000,
})
const options = {
  broker,
  database: () => scratchDatabase(SHARED_DATABASE_URL),
  records: Number(values.records),
  skus: Number(values.skus),
}
for (let r = 0; r < Number(values.rounds); r++)
  for (const stream of ['stock-movements', 'measurements'] as const satisfies DrainedStream[]) {
    if (values.only && values.only !== stream) continue
    process.stdout.write(`${JSON.stringify(await drainStream(stream, options))}\n`)
  }
await broker.close()
