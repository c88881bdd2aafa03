import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import type { Broker } from '../../src/broker/broker.ts'
import { EmbeddedBroker } from '../../src/broker/embedded/embedded-broker.ts'
import { KafkaBroker } from '../../src/broker/kafka/kafka-broker.ts'
import { PostgresStorage } from '../../src/storage/postgres-storage.ts'
import type { Storage } from '../../src/storage/storage.ts'
import { migratedPGlite } from './pglite.ts'
import { createTestDatabase, requireKafka, uniqueName } from './services.ts'

/** A broker and a migrated database of one adapter pair, closed and removed when the test ends. */
export interface AdapterPair {
  readonly broker: Broker
  readonly storage: Storage
}

/** The shared Kafka (a client named `<name>-…`) and a scratch PostgreSQL database. */
export async function kafkaPostgresPair(t: TestContext, name: string): Promise<AdapterPair> {
  const broker = new KafkaBroker({
    bootstrapBrokers: await requireKafka(),
    clientId: uniqueName(name),
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
}

/** An embedded log and a PGlite database in a temporary directory `flowline-<name>-…`. */
export async function embeddedPair(t: TestContext, name: string): Promise<AdapterPair> {
  const directory = await mkdtemp(join(tmpdir(), `flowline-${name}-`))
  const broker = await EmbeddedBroker.open({ directory: join(directory, 'log') })
  const storage = await migratedPGlite(join(directory, 'pglite'))
  t.after(async () => {
    await broker.close()
    await storage.close()
    await rm(directory, { recursive: true, force: true, maxRetries: 10 })
  })
  await storage.migrate()
  return { broker, storage }
}
