import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after } from 'node:test'
import { Admin } from '@platformatic/kafka'
import { EmbeddedBroker } from '../../src/broker/embedded/embedded-broker.ts'
import { KafkaBroker } from '../../src/broker/kafka/kafka-broker.ts'
import { RUN_ID, requireKafka, uniqueName } from '../helpers/services.ts'
import { adapterPairs } from './adapters.ts'
import { runBrokerContract } from './broker-contract.ts'

/** Kafka may still be starting (scripts/services.sh up takes a while): wait for it, bounded. */
async function kafkaBrokers(): Promise<string[]> {
  const deadline = Date.now() + 3 * 60_000
  for (;;) {
    try {
      return await requireKafka()
    } catch (error) {
      if (Date.now() > deadline) throw error
      await new Promise((resolve) => setTimeout(resolve, 2000))
    }
  }
}

if (adapterPairs.real)
  runBrokerContract('kafka', async () => {
    const bootstrapBrokers = await kafkaBrokers()
    const connect = () =>
      new KafkaBroker({ bootstrapBrokers, clientId: uniqueName('contract'), requestTimeoutMs: 5000 })
    let broker = connect()
    return {
      broker,
      reopen: async () => {
        await broker.close()
        broker = connect()
        return broker
      },
      cleanup: () => broker.close(),
    }
  })

if (adapterPairs.embedded)
  runBrokerContract('embedded', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'flowline-contract-'))
    let broker = await EmbeddedBroker.open({ directory })
    return {
      broker,
      reopen: async () => {
        await broker.close()
        broker = await EmbeddedBroker.open({ directory })
        return broker
      },
      cleanup: async () => {
        await broker.close()
        await rm(directory, { recursive: true, force: true, maxRetries: 10 })
      },
    }
  })

// Topic names carry the run id, so this removes exactly what this run created on the shared broker.
if (adapterPairs.real)
  after(
    async () => {
      const admin = new Admin({
        clientId: uniqueName('contract-cleanup'),
        bootstrapBrokers: await kafkaBrokers(),
        timeout: 5000,
        retries: 1,
      })
      try {
        const topics = (await admin.listTopics()).filter((topic) => topic.includes(RUN_ID))
        if (topics.length > 0) await admin.deleteTopics({ topics })
      } finally {
        await admin.close()
      }
    },
    { timeout: 30_000 },
  )
