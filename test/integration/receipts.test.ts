import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it, type TestContext } from 'node:test'
import { eventually } from '../../harness/index.ts'
import type { Broker } from '../../src/broker/broker.ts'
import { EmbeddedBroker } from '../../src/broker/embedded/embedded-broker.ts'
import { KafkaBroker } from '../../src/broker/kafka/kafka-broker.ts'
import { createAdminApp } from '../../src/roles/admin/admin-app.ts'
import { startSaver } from '../../src/roles/saver/saver-role.ts'
import { topicsOf } from '../../src/runtime/composition.ts'
import { MeasurementsRepository } from '../../src/storage/measurements-repository.ts'
import { PGliteStorage } from '../../src/storage/pglite-storage.ts'
import { PostgresStorage } from '../../src/storage/postgres-storage.ts'
import type { Storage } from '../../src/storage/storage.ts'
import { adapterPairs } from '../contracts/adapters.ts'
import { authHeaders, testAuth } from '../helpers/credentials.ts'
import { testIngestApp } from '../helpers/ingest-app.ts'
import { createMetrics, quietLogger, testConfig } from '../helpers/pipeline.ts'
import { createTestDatabase, requireKafka, uniqueName } from '../helpers/services.ts'

interface Receipt {
  topic: string
  partition: number
  from_offset: string
  to_offset: string
}

interface Pair {
  readonly broker: Broker
  readonly storage: Storage
  close(): Promise<void>
}
type OpenPair = () => Promise<Pair>

/**
 * Ingest's 202 receipts and the admin's GET /receipts, end to end: a receipt answers pending until
 * the saver group committed past it, then stored, and the reading is in the table by then.
 */
async function receiptsUntilStored(t: TestContext, open: OpenPair): Promise<void> {
  const pair = await open()
  const { broker, storage } = pair
  // Closed in this order: the roles before their broker and database.
  const running: Array<{ close(): Promise<unknown> }> = []
  t.after(async () => {
    for (const role of running.reverse()) await role.close()
    await pair.close()
  })
  const config = testConfig({
    topic: uniqueName('temperatures'),
    errorsTopic: uniqueName('errors'),
    group: uniqueName('saver'),
    saverPort: 0,
    partitions: 3,
    batchWait: 20,
  })
  await broker.ensureTopics(topicsOf(config))
  await storage.migrate()
  const { app: ingest } = await testIngestApp(broker, config.topic)
  running.push(ingest)
  const admin = await createAdminApp({
    storage,
    repository: new MeasurementsRepository(storage.db),
    logger: quietLogger(),
    metrics: createMetrics(),
    defaultLimit: 10,
    maxLimit: 100,
    auth: await testAuth(storage),
    receipts: { broker, groupId: config.groupId, topic: config.topic },
  })
  running.push(admin)
  const get = async (url: string) => {
    const response = await admin.inject({ method: 'GET', url, headers: authHeaders() })
    return { status: response.statusCode, body: response.json() }
  }
  const receiptState = (receipt: Receipt, offset = receipt.to_offset) =>
    get(`/receipts?topic=${receipt.topic}&partition=${receipt.partition}&offset=${offset}`)

  const T = Date.now() - 60_000
  const readings = Array.from({ length: 12 }, (_, i) => ({
    sensor_id: `rcpt-${i % 5}`,
    temperature: 20 + i,
    timestamp: new Date(T + i * 1000).toISOString(),
  }))
  const posted = await ingest.inject({ method: 'POST', url: '/measurements', payload: readings })
  assert.equal(posted.statusCode, 202, posted.body)
  const { accepted, receipts } = posted.json() as { accepted: number; receipts: Receipt[] }
  assert.equal(accepted, 12)
  assert.ok(receipts.length >= 1 && receipts.length <= 3, JSON.stringify(receipts))
  let covered = 0n
  for (const receipt of receipts) {
    assert.equal(receipt.topic, config.topic)
    covered += BigInt(receipt.to_offset) - BigInt(receipt.from_offset) + 1n
  }
  assert.equal(covered, 12n, "the ranges cover the request's records, nothing else")

  // No saver runs yet: the group has committed nothing.
  for (const receipt of receipts) {
    const before = await receiptState(receipt)
    assert.equal(before.status, 200, JSON.stringify(before.body))
    assert.equal(before.body.state, 'pending')
    assert.equal(before.body.committed_offset, null)
    assert.equal(before.body.group, config.groupId)
    assert.ok(BigInt(before.body.log_end_offset) > BigInt(receipt.to_offset))
  }

  const saver = await startSaver(config, broker, storage, quietLogger(), createMetrics())
  running.push(saver)
  for (const receipt of receipts) {
    const stored = await eventually(
      async () => {
        const answer = await receiptState(receipt)
        return answer.body.state === 'stored' ? answer.body : undefined
      },
      `receipt ${receipt.partition}/${receipt.to_offset} stored`,
      { timeoutMs: 60_000 },
    )
    assert.ok(BigInt(stored.committed_offset) > BigInt(receipt.to_offset))
    assert.equal((await receiptState(receipt, receipt.from_offset)).body.state, 'stored')
  }
  for (const reading of readings) {
    const lookup = await get(
      `/measurements/lookup?sensor_id=${reading.sensor_id}&timestamp=${reading.timestamp}`,
    )
    assert.equal(lookup.body.state, 'stored', `${reading.sensor_id} at ${reading.timestamp}`)
    assert.equal(lookup.body.measurement.temperature, reading.temperature)
  }

  // Past the log end: pending, never stored, even with everything before it stored.
  const first = receipts[0] as Receipt
  const end = BigInt((await receiptState(first)).body.log_end_offset)
  for (const offset of [end, end + 1000n]) {
    const beyond = await receiptState(first, String(offset))
    assert.equal(beyond.status, 200)
    assert.equal(beyond.body.state, 'pending', `offset ${offset}, log end ${end}`)
  }

  // Bad questions: named, and nothing else leaks.
  const noPartition = await get(`/receipts?topic=${config.topic}&partition=7&offset=0`)
  assert.equal(noPartition.status, 404)
  assert.match(
    noPartition.body.message,
    new RegExp(`topic ${config.topic} has no partition 7 \\(it has 3\\)`),
  )
  const otherTopic = await get('/receipts?topic=elsewhere&partition=0&offset=0')
  assert.equal(otherTopic.status, 404)
  assert.match(otherTopic.body.message, /no receipts for topic elsewhere/)
  for (const query of ['partition=-1&offset=0', 'partition=0&offset=abc', 'partition=0', 'offset=1'])
    assert.equal((await get(`/receipts?topic=${config.topic}&${query}`)).status, 400, query)
}

const openReal: OpenPair = async () => {
  const broker = new KafkaBroker({
    bootstrapBrokers: await requireKafka(),
    clientId: uniqueName('test'),
    requestTimeoutMs: 5000,
  })
  const database = await createTestDatabase()
  const storage = new PostgresStorage({ connectionString: database.url })
  const close = async () => {
    await storage.close()
    await broker.close()
    await database.drop()
  }
  return { broker, storage, close }
}

const openEmbedded: OpenPair = async () => {
  const directory = await mkdtemp(join(tmpdir(), 'flowline-receipts-'))
  const broker = await EmbeddedBroker.open({ directory })
  const storage = new PGliteStorage({ dataDir: undefined })
  const close = async () => {
    await storage.close()
    await broker.close()
    await rm(directory, { recursive: true, force: true })
  }
  return { broker, storage, close }
}

for (const [name, open] of [
  ['Kafka and PostgreSQL', adapterPairs.real ? openReal : undefined],
  ['the embedded log and PGlite', adapterPairs.embedded ? openEmbedded : undefined],
] as const) {
  if (!open) continue
  describe(`receipts on ${name}`, { timeout: 180_000 }, () => {
    it('the 202 names where the records are; GET /receipts answers pending, then stored once the saver committed; never stored past the log end', (t) =>
      receiptsUntilStored(t, open))
  })
}
