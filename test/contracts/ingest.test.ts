import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { EmbeddedBroker } from '../../src/broker/embedded/embedded-broker.ts'
import { KafkaBroker } from '../../src/broker/kafka/kafka-broker.ts'
import { kafkaWithTopic } from '../helpers/pipeline.ts'
import { uniqueName } from '../helpers/services.ts'
import { adapterPairs } from './adapters.ts'
import { runIngestContract } from './ingest-contract.ts'

if (adapterPairs.real)
  runIngestContract('Kafka', kafkaWithTopic, {
    // A port with no broker behind it: a real client, failing for real.
    unavailableBroker: async (t) => {
      const dead = new KafkaBroker({
        bootstrapBrokers: ['127.0.0.1:1'],
        clientId: 'dead',
        requestTimeoutMs: 500,
      })
      t.after(() => dead.close())
      return dead
    },
  })

if (adapterPairs.embedded)
  runIngestContract('embedded log', async (t, partitions = 4) => {
    const directory = await mkdtemp(join(tmpdir(), 'flowline-ingest-'))
    const broker = await EmbeddedBroker.open({ directory })
    t.after(async () => {
      await broker.close()
      await rm(directory, { recursive: true, force: true, maxRetries: 10 })
    })
    const topic = uniqueName('temperatures')
    await broker.ensureTopics([{ name: topic, partitions, replicationFactor: 1 }])
    return { broker, topic }
  })
