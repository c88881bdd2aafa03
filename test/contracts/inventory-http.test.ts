import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { EmbeddedBroker } from '../../src/broker/embedded/embedded-broker.ts'
import { KafkaBroker } from '../../src/broker/kafka/kafka-broker.ts'
import { PostgresStorage } from '../../src/storage/postgres-storage.ts'
import { migratedPGlite } from '../helpers/pglite.ts'
import { createTestDatabase, requireKafka, uniqueName } from '../helpers/services.ts'
import { adapterPairs } from './adapters.ts'
import { runInventoryHttpContract } from './inventory-http-contract.ts'

if (adapterPairs.real)
  runInventoryHttpContract('Kafka + PostgreSQL', async (t) => {
    const broker = new KafkaBroker({
      bootstrapBrokers: await requireKafka(),
      clientId: uniqueName('inv-http'),
      requestTimeoutMs: 5000,
    })
    const { url, drop } = await createTestDatabase()
    const storage = new PostgresStorage({ connectionString: url })
    t.after(async () => {
      await broker.close()
      await storage.close()
      await drop()
    })
    await storage.migrate()
    return { broker, storage }
  })

if (adapterPairs.embedded)
  runInventoryHttpContract('embedded log + PGlite', async (t) => {
    const directory = await mkdtemp(join(tmpdir(), 'flowline-inv-http-'))
    const broker = await EmbeddedBroker.open({ directory: join(directory, 'log') })
    const storage = await migratedPGlite(join(directory, 'pglite'))
    t.after(async () => {
      await broker.close()
      await storage.close()
      await rm(directory, { recursive: true, force: true })
    })
    await storage.migrate()
    return { broker, storage }
  })
