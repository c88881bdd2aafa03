import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it, type TestContext } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'
import { sql } from 'kysely'
import { drainTopic, freePort } from '../../harness/index.ts'
import type { Broker } from '../../src/broker/broker.ts'
import { EmbeddedBroker } from '../../src/broker/embedded/embedded-broker.ts'
import { KafkaBroker } from '../../src/broker/kafka/kafka-broker.ts'
import type { Config } from '../../src/config/config.ts'
import type { RunningRole } from '../../src/http/running-role.ts'
import { createAdminApp } from '../../src/roles/admin/admin-app.ts'
import { DeadLetterActions } from '../../src/roles/dead-letters/dead-letter-actions.ts'
import { startDeadLetterSaver } from '../../src/roles/dead-letters/dead-letter-saver-role.ts'
import { startSaver } from '../../src/roles/saver/saver-role.ts'
import { topicsOf } from '../../src/runtime/composition.ts'
import { DeadLettersRepository } from '../../src/storage/dead-letters-repository.ts'
import { StockRepository } from '../../src/storage/inventory/stock-repository.ts'
import { MeasurementsRepository } from '../../src/storage/measurements-repository.ts'
import { PGliteStorage } from '../../src/storage/pglite-storage.ts'
import { PostgresStorage } from '../../src/storage/postgres-storage.ts'
import type { Storage } from '../../src/storage/storage.ts'
import { adapterPairs } from '../contracts/adapters.ts'
import { authHeaders, testAuth } from '../helpers/credentials.ts'
import { createMetrics, quietLogger, testConfig } from '../helpers/pipeline.ts'
import { createTestDatabase, requireKafka, uniqueName } from '../helpers/services.ts'
import { movementsOf } from '../helpers/stock-movements.ts'

interface Pair {
  readonly broker: Broker
  readonly storage: Storage
  readonly config: Config
  /** The PostgreSQL server's database, on the real pair. */
  readonly databaseUrl?: string
}

/** Registers a cleanup; they run last-registered first, so roles stop before their broker and database close. */
type Defer = (cleanup: () => Promise<unknown>) => void
type OpenPair = (defer: Defer, flags?: Record<string, unknown>) => Promise<Pair>

function cleanupStack(t: TestContext): Defer {
  const stack: Array<() => Promise<unknown>> = []
  t.after(async () => {
    for (const cleanup of stack.reverse()) await cleanup()
  })
  return (cleanup) => stack.push(cleanup)
}

/** The one place the tests' HTTP calls go through (where credentials go once auth is on). */
function apiOf(app: FastifyInstance) {
  return async (method: 'GET' | 'POST', url: string, body?: unknown) => {
    const response = await app.inject({
      method,
      url,
      headers: authHeaders(),
      ...(body === undefined ? {} : { payload: body as object }),
    })
    return { status: response.statusCode, body: response.json() }
  }
}

async function until<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const value = await check()
    if (value !== undefined) return value
    await sleep(100)
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
}

/** A bulk redrive's job once it is no longer running. */
function finishedJob(api: ReturnType<typeof apiOf>, id: string) {
  return until(async () => {
    const progress = (await api('GET', `/dead-letters/redrives/${id}`)).body
    return progress.state === 'running' ? undefined : progress
  }, 'the bulk redrive to finish')
}

function configOf(flags: Record<string, unknown>): Config {
  return testConfig({
    topic: uniqueName('temperatures'),
    errorsTopic: uniqueName('errors'),
    group: uniqueName('saver'),
    deadLetterGroup: uniqueName('dead-letters'),
    saverPort: 0,
    deadLetterSaverPort: 0,
    partitions: 2,
    batchWait: 20,
    ...flags,
  })
}

/** The saver and the dead-letter saver running, and the admin API (inject, no socket) with redrive. */
async function startFlow(defer: Defer, pair: Pair) {
  const { broker, storage, config } = pair
  const metrics = createMetrics()
  const logger = quietLogger()
  await broker.ensureTopics(topicsOf(config))
  await storage.migrate()
  const roles: RunningRole[] = [
    await startSaver(config, broker, storage, logger, metrics),
    await startDeadLetterSaver(config, broker, storage, logger, metrics),
  ]
  const actions = new DeadLetterActions({
    broker,
    storage,
    logger,
    metrics,
    errorsTopic: config.errorsTopic,
    measurementsTopic: config.topic,
    stockTopic: config.stockTopic,
    futureToleranceMs: config.futureToleranceMs,
    ratePerSecond: config.redriveRate,
  })
  const app = await createAdminApp({
    storage,
    repository: new MeasurementsRepository(storage.db),
    logger,
    metrics,
    defaultLimit: 50,
    maxLimit: 100,
    deadLetterActions: actions,
    auth: await testAuth(storage),
  })
  defer(async () => {
    await actions.close()
    await app.close()
    for (const role of roles) await role.close()
  })
  const rows = async (sensorId: string) =>
    Number(
      (
        await sql<{
          n: number
        }>`SELECT count(*)::int AS n FROM measurements WHERE sensor_id = ${sensorId}`.execute(storage.db)
      ).rows[0]?.n,
    )
  const publish = (sensorId: string, value: string) =>
    broker.publish([{ topic: config.topic, key: sensorId, value }])
  return { api: apiOf(app), rows, publish, metrics }
}

const reading = (sensorId: string, temperature: number, timestampMs: number) =>
  JSON.stringify({ sensor_id: sensorId, temperature, timestamp: new Date(timestampMs).toISOString() })

async function redriveAfterCorrection(t: TestContext, open: OpenPair) {
  const defer = cleanupStack(t)
  const pair = await open(defer)
  const flow = await startFlow(defer, pair)
  const { api, rows, publish } = flow
  const T = Date.now() - 60_000
  await publish('dl-ok', reading('dl-ok', 21, T))
  const poison = reading('dl-bad', 5000, T)
  await publish('dl-bad', poison)
  await publish('dl-gone', reading('dl-gone', 9999, T))

  const listed = await until(async () => {
    const page = await api('GET', '/dead-letters?status=new')
    return page.body.items?.length === 2 ? page.body : undefined
  }, 'two dead letters')
  const bad = listed.items.find((item: { sensor_id: string }) => item.sensor_id === 'dl-bad')
  assert.equal(bad.field, 'temperature')
  assert.equal(bad.category, 'permanent')
  assert.equal(bad.source.topic, pair.config.topic)
  assert.match(bad.reason, /temperature must be <= 1000/)

  const shown = await api('GET', `/dead-letters/${bad.id}`)
  assert.equal(shown.body.payload, poison, 'the payload comes back byte for byte')
  assert.equal(shown.body.payload_encoding, 'utf8')
  assert.equal(shown.body.key, 'dl-bad')
  assert.equal(shown.body.redriven_payload, null, 'nothing was redriven yet')

  // Delivery lookup: all three states.
  const lookup = async (sensorId: string, ts: number | string) =>
    (await api('GET', `/measurements/lookup?sensor_id=${sensorId}&timestamp=${ts}`)).body
  await until(async () => ((await rows('dl-ok')) === 1 ? true : undefined), 'dl-ok stored')
  const stored = await lookup('dl-ok', new Date(T).toISOString())
  assert.equal(stored.state, 'stored')
  assert.equal(stored.measurement.temperature, 21)
  assert.ok(Date.parse(stored.measurement.stored_at) >= T)
  const lettered = await lookup('dl-bad', T)
  assert.equal(lettered.state, 'dead_lettered')
  assert.equal(lettered.dead_letter.link, `/dead-letters/${bad.id}`)
  assert.match(lettered.dead_letter.reason, /temperature/)
  assert.equal((await lookup('dl-never', T)).state, 'not_found')
  const badLookup = await api('GET', '/measurements/lookup?sensor_id=x&timestamp=yesterday')
  assert.equal(badLookup.status, 400)
  assert.match(badLookup.body.message, /querystring\/timestamp/)

  // A correction that is still wrong is refused, naming the field; the letter stays new.
  const stillWrong = await api('POST', `/dead-letters/${bad.id}/redrive`, {
    payload: { sensor_id: 'dl-bad', temperature: 2000, timestamp: T },
  })
  assert.equal(stillWrong.status, 400)
  assert.match(stillWrong.body.message, /body\/payload\/temperature/)
  assert.equal((await api('GET', `/dead-letters/${bad.id}`)).body.status, 'new')

  const corrected = { sensor_id: 'dl-bad', temperature: 50, timestamp: new Date(T).toISOString() }
  const redriven = await api('POST', `/dead-letters/${bad.id}/redrive`, { payload: corrected })
  assert.equal(redriven.status, 200, JSON.stringify(redriven.body))
  assert.equal(redriven.body.status, 'redriven')
  // Who redrove it: the caller's own principal (the harness's admin API key), as /auth/me names it.
  assert.equal(redriven.body.acted_by, (await api('GET', '/auth/me')).body.username)
  assert.notEqual(redriven.body.acted_by, 'anonymous')
  assert.equal(redriven.body.redrive_count, 1)
  await until(async () => ((await rows('dl-bad')) === 1 ? true : undefined), 'the corrected reading stored')
  // Read again (a reload of the console's page): the correction that was sent is kept beside the original.
  const reread = (await api('GET', `/dead-letters/${bad.id}`)).body
  assert.equal(reread.redriven_payload, JSON.stringify(corrected))
  assert.equal(reread.payload, poison, 'the original bytes are kept as they were')
  assert.equal(reread.acted_by, redriven.body.acted_by)
  assert.equal(reread.acted_at, redriven.body.acted_at)

  // The redriven record names where it came from.
  const sent = (await drainTopic(pair.broker, pair.config.topic, 4, 30_000, 300)).filter(
    (record) => record.headers?.['flowline-dead-letter-id'] === bad.id,
  )
  assert.equal(sent.length, 1)
  assert.equal(
    sent[0]?.headers?.['flowline-redrive-of'],
    `${bad.source.topic}/${bad.source.partition}/${bad.source.offset}`,
  )
  assert.equal(sent[0]?.key, 'dl-bad')

  // Twice: refused without force (409 naming the status); with force the copy is sent and stored nothing twice.
  const again = await api('POST', `/dead-letters/${bad.id}/redrive`, { payload: corrected })
  assert.equal(again.status, 409)
  assert.match(again.body.message, /is redriven/)
  const forced = await api('POST', `/dead-letters/${bad.id}/redrive`, { payload: corrected, force: true })
  assert.equal(forced.status, 200)
  assert.equal(forced.body.redrive_count, 2)
  // A later reading of the same sensor lands behind the copy in its partition: once it is stored, the copy was read.
  await publish('dl-bad', reading('dl-bad', 51, T + 1))
  await until(async () => ((await rows('dl-bad')) >= 2 ? true : undefined), 'the reading after the copy')
  assert.equal(await rows('dl-bad'), 2, 'the redriven copy was not stored a second time')
  const after = await lookup('dl-bad', T)
  assert.equal(after.state, 'stored')
  assert.equal(after.dead_letter.status, 'redriven')

  // Discard, and the 404/409/400 answers.
  const gone = listed.items.find((item: { sensor_id: string }) => item.sensor_id === 'dl-gone')
  assert.equal((await api('POST', `/dead-letters/${gone.id}/discard`)).body.status, 'discarded')
  assert.equal((await api('POST', `/dead-letters/${gone.id}/discard`)).status, 409)
  assert.equal(
    (await api('POST', `/dead-letters/${gone.id}/redrive`)).status,
    409,
    'a POST without a body is a redrive of the original',
  )
  assert.equal((await api('GET', '/dead-letters/999999999')).status, 404)
  assert.equal((await api('POST', '/dead-letters/999999999/redrive', {})).status, 404)
  const badStatus = await api('GET', '/dead-letters?status=lost')
  assert.equal(badStatus.status, 400)
  assert.match(badStatus.body.message, /status/)
  const unknownField = await api('POST', `/dead-letters/${bad.id}/redrive`, { paylod: {} })
  assert.equal(unknownField.status, 400)
  assert.equal((await api('GET', '/dead-letters?status=discarded')).body.items.length, 1)
  const page = await api('GET', '/dead-letters?limit=1')
  assert.equal(page.body.items.length, 1)
  const next = await api('GET', `/dead-letters?limit=1&cursor=${page.body.next_cursor}`)
  assert.notEqual(next.body.items[0].id, page.body.items[0].id, 'keyset paging goes on')
  const spec = (await api('GET', '/docs/json')).body
  for (const path of [
    '/dead-letters',
    '/dead-letters/{id}',
    '/dead-letters/{id}/redrive',
    '/dead-letters/{id}/discard',
    '/dead-letters/redrive',
    '/dead-letters/redrives/{id}',
    '/measurements/lookup',
  ])
    assert.ok(spec.paths[path], `${path} is in the OpenAPI document`)

  // A later redrive of the original bytes clears the correction: the page must not show one that
  // was not sent last. (The poison goes back and is dead-lettered anew; nothing below reads it.)
  const original = await api('POST', `/dead-letters/${bad.id}/redrive`, { force: true })
  assert.equal(original.status, 200, JSON.stringify(original.body))
  assert.equal((await api('GET', `/dead-letters/${bad.id}`)).body.redriven_payload, null)
}

/**
 * An oversold sale the ledger refused, dead-lettered as the stock consumer does: redriven under
 * the same movement_id (corrected or not) it is refused up front, naming the field and why, and
 * nothing is sent; under a new id it goes to the stock topic.
 */
async function stockCorrectionNeedsNewId(t: TestContext, open: OpenPair) {
  const defer = cleanupStack(t)
  const pair = await open(defer, { stockTopic: uniqueName('stock') })
  const { api } = await startFlow(defer, pair)
  const { config, storage } = pair
  const sku = uniqueName('MUG')
  const movement = movementsOf(sku, new Date(Date.now() - 60_000).toISOString())
  const oversold = movement('m2', 'sale', -8)
  const outcome = await new StockRepository(storage.db).applyMovements([
    movement('m1', 'receipt', 5),
    oversold,
  ])
  assert.deepEqual(
    outcome.refused.map((refusal) => refusal.code),
    ['INSUFFICIENT_STOCK'],
  )
  await new DeadLettersRepository(storage.db).insertEntries([
    {
      errorsTopic: config.errorsTopic,
      errorsPartition: 0,
      errorsOffset: 0n,
      sourceTopic: config.stockTopic,
      sourcePartition: 0,
      sourceOffset: 1n,
      sourceKey: sku,
      payload: Buffer.from(JSON.stringify(oversold)),
      reason: outcome.refused[0]?.reason ?? '',
      field: 'quantity',
      sensorId: null,
      measuredAtMs: null,
      failedAtMs: Date.now(),
    },
  ])
  const [letter] = (await api('GET', `/dead-letters?reason=${sku}`)).body.items
  assert.ok(letter, 'the refused sale is a dead letter')

  const sameId = await api('POST', `/dead-letters/${letter.id}/redrive`, {
    payload: { ...oversold, quantity: -3 },
  })
  assert.equal(sameId.status, 409, JSON.stringify(sameId.body))
  assert.equal(
    sameId.body.message,
    `body/payload/movement_id: movement_id ${sku}-m2 is already decided (refused INSUFFICIENT_STOCK), and the ledger decides an id once; send the correction under a new movement_id`,
  )
  const asItWas = await api('POST', `/dead-letters/${letter.id}/redrive`)
  assert.equal(asItWas.status, 409)
  assert.match(
    asItWas.body.message,
    /its movement_id .* is already decided \(refused INSUFFICIENT_STOCK\).*new movement_id/,
  )
  const applied = await api('POST', `/dead-letters/${letter.id}/redrive`, {
    payload: { ...movement('m1', 'sale', -3) },
  })
  assert.equal(applied.status, 409, 'an applied id is decided too')
  assert.match(applied.body.message, /already decided \(applied\)/)
  assert.equal((await api('GET', `/dead-letters/${letter.id}`)).body.status, 'new', 'the letter stays new')

  const corrected = { ...movement('m2-corrected', 'sale', -3) }
  const redriven = await api('POST', `/dead-letters/${letter.id}/redrive`, { payload: corrected })
  assert.equal(redriven.status, 200, JSON.stringify(redriven.body))
  const sent = await drainTopic(pair.broker, config.stockTopic, 1, 30_000, 300)
  assert.deepEqual(
    sent.map((record) => JSON.parse(record.value.toString()).movement_id),
    [corrected.movement_id],
    'only the correction under a new id was sent',
  )
}

async function bulkRedrive(t: TestContext, open: OpenPair) {
  const defer = cleanupStack(t)
  // Readings 3 s ahead of the broker's clock fail with a 1 s tolerance; redriven 4 s later they pass:
  // the case of a device whose clock ran ahead, and of a bulk redrive after the cause is gone.
  const pair = await open(defer, { futureTolerance: 1000, redriveRate: 2 })
  const { api, rows, publish } = await startFlow(defer, pair)
  const ahead = Date.now() + 3000
  for (let i = 0; i < 5; i++) await publish(`ahead-${i}`, reading(`ahead-${i}`, 20 + i, ahead))
  await publish('other', reading('other', -300, Date.now()))
  await until(async () => {
    const page = await api('GET', '/dead-letters?status=new')
    return page.body.items?.length === 6 ? true : undefined
  }, 'six dead letters')

  const dry = await api('POST', '/dead-letters/redrive', { filter: { field: 'timestamp' }, dry_run: true })
  assert.equal(dry.status, 200)
  assert.equal(dry.body.matched, 5)
  assert.deepEqual(dry.body.items.map((item: { sensor_id: string }) => item.sensor_id).sort(), [
    'ahead-0',
    'ahead-1',
    'ahead-2',
    'ahead-3',
    'ahead-4',
  ])
  await sleep(1000)
  const untouched = await api('GET', '/dead-letters?status=new')
  assert.equal(untouched.body.items.length, 6, 'a dry run changes no status')
  for (let i = 0; i < 5; i++) assert.equal(await rows(`ahead-${i}`), 0, 'and sends nothing')

  await sleep(Math.max(0, ahead + 1500 - Date.now()))
  const startedAt = Date.now()
  const started = await api('POST', '/dead-letters/redrive', { filter: { field: 'timestamp' } })
  assert.equal(started.status, 202, JSON.stringify(started.body))
  assert.equal(started.body.matched, 5)
  const job = await finishedJob(api, started.body.id)
  const elapsedMs = Date.now() - startedAt
  assert.equal(job.state, 'done', JSON.stringify(job))
  assert.equal(job.redriven, 5)
  assert.ok(elapsedMs >= 2000, `5 letters at 2/s take at least 2 s (took ${elapsedMs} ms)`)
  for (let i = 0; i < 5; i++)
    await until(async () => ((await rows(`ahead-${i}`)) === 1 ? true : undefined), `ahead-${i} stored`)
  const left = await api('GET', '/dead-letters?status=new')
  assert.deepEqual(
    left.body.items.map((item: { sensor_id: string }) => item.sensor_id),
    ['other'],
    'the filter took only its own letters',
  )
  assert.equal((await api('GET', '/dead-letters/redrives/424242')).status, 404)
}

/**
 * A bulk redrive over stock letters: the refused sale and a letter naming an applied id stay new
 * and count as skipped (their movement_ids are decided, as a single redrive answers 409); a
 * letter whose id the ledger never saw is sent back.
 */
async function bulkRedriveSkipsDecidedMovements(t: TestContext, open: OpenPair) {
  const defer = cleanupStack(t)
  const pair = await open(defer, { stockTopic: uniqueName('stock'), redriveRate: 100 })
  const { api } = await startFlow(defer, pair)
  const { config, storage } = pair
  const sku = uniqueName('JUG')
  const movement = movementsOf(sku, new Date(Date.now() - 60_000).toISOString())
  const received = movement('m1', 'receipt', 5)
  const oversold = movement('m2', 'sale', -8)
  const outcome = await new StockRepository(storage.db).applyMovements([received, oversold])
  assert.deepEqual(
    outcome.refused.map((refusal) => refusal.code),
    ['INSUFFICIENT_STOCK'],
  )
  const undecided = movement('m3', 'sale', -1)
  await new DeadLettersRepository(storage.db).insertEntries(
    [oversold, received, undecided].map((payload, offset) => ({
      errorsTopic: config.errorsTopic,
      errorsPartition: 0,
      errorsOffset: BigInt(offset),
      sourceTopic: config.stockTopic,
      sourcePartition: 0,
      sourceOffset: BigInt(offset),
      sourceKey: sku,
      payload: Buffer.from(JSON.stringify(payload)),
      reason: `${sku} ${payload.movement_id}`,
      field: 'quantity',
      sensorId: null,
      measuredAtMs: null,
      failedAtMs: Date.now(),
    })),
  )
  const started = await api('POST', '/dead-letters/redrive', { filter: { reason: sku } })
  assert.equal(started.status, 202, JSON.stringify(started.body))
  assert.equal(started.body.matched, 3)
  const job = await finishedJob(api, started.body.id)
  assert.deepEqual([job.state, job.redriven, job.skipped], ['done', 1, 2], JSON.stringify(job))
  const letters = (await api('GET', `/dead-letters?reason=${sku}`)).body.items as Array<{
    reason: string
    status: string
  }>
  assert.deepEqual(
    letters.map((letter) => [letter.reason.split(' ')[1], letter.status]).sort(),
    [
      [`${sku}-m1`, 'new'],
      [`${sku}-m2`, 'new'],
      [`${sku}-m3`, 'redriven'],
    ],
    'the letters of decided ids stay new, to be corrected under a new id',
  )
  const sent = await drainTopic(pair.broker, config.stockTopic, 1, 30_000, 300)
  assert.deepEqual(
    sent.map((record) => JSON.parse(record.value.toString()).movement_id),
    [undecided.movement_id],
    'only the undecided movement was sent',
  )
}

/** Entries on the errors topic as other producers or older savers wrote them, and copies. */
async function errorsTopicEntries(t: TestContext, open: OpenPair) {
  const defer = cleanupStack(t)
  const pair = await open(defer)
  const { api, metrics } = await startFlow(defer, pair)
  const { broker, config } = pair
  const bytes = Buffer.from([0xff, 0x00, 0x7b, 0xc3])
  const legacy = {
    reason: 'payload is not valid JSON',
    field: null,
    source_topic: config.topic,
    partition: 1,
    offset: '41',
    payload: bytes.toString('base64'),
    payload_encoding: 'base64',
    failed_at: '2026-12-01T10:00:00.000Z',
  }
  await broker.publish([
    // An older saver's entry: no category nor source_key, the fallback key, binary payload.
    { topic: config.errorsTopic, key: `${config.topic}-1-41`, value: JSON.stringify(legacy) },
    // The same source record dead-lettered twice (a saver crash between publish and commit).
    { topic: config.errorsTopic, key: `${config.topic}-1-41`, value: JSON.stringify(legacy) },
    // A passing failure someone else parked here: never a dead letter.
    {
      topic: config.errorsTopic,
      key: 'x',
      value: JSON.stringify({ ...legacy, offset: '42', category: 'transient' }),
    },
    // Not ours at all.
    { topic: config.errorsTopic, key: 'y', value: 'not json' },
  ])
  const items = await until(async () => {
    const page = await api('GET', '/dead-letters')
    return page.body.items?.length === 2 ? page.body.items : undefined
  }, 'two dead letters')
  await sleep(500)
  assert.equal(
    (await api('GET', '/dead-letters')).body.items.length,
    2,
    'the copy and the transient entry are not stored',
  )
  const legacyLetter = items.find((item: { source: { offset: string } }) => item.source.offset === '41')
  assert.equal(legacyLetter.key, null, 'the fallback key is not taken for a source key')
  const shown = (await api('GET', `/dead-letters/${legacyLetter.id}`)).body
  assert.equal(shown.payload_encoding, 'base64')
  assert.deepEqual(Buffer.from(shown.payload, 'base64'), bytes, 'the bytes are preserved')
  assert.equal(shown.failed_at, '2026-12-01T10:00:00.000Z')
  const redrive = await api('POST', `/dead-letters/${legacyLetter.id}/redrive`, {})
  assert.equal(redrive.status, 409)
  assert.match(redrive.body.message, /not UTF-8 text; redrive it with a corrected body\/payload/)
  const foreign = items.find(
    (item: { source: { topic: string } }) => item.source.topic === config.errorsTopic,
  )
  assert.match(foreign.reason, /not a Flowline dead letter/)
  assert.equal((await api('POST', `/dead-letters/${foreign.id}/redrive`, {})).status, 409)
  const refused = (await metrics.registry.getSingleMetric('flowline_dead_letters_refused_total')?.get())
    ?.values[0]
  assert.equal(refused?.value, 1)
}

/**
 * PostgreSQL out of reach (a port nobody listens on): the saver retries the batch and sends nothing
 * to the errors topic; once the database is back every reading is stored and no dead letter exists.
 */
async function transientNeverDeadLettered(defer: Defer, pair: Pair) {
  const down = new URL(pair.databaseUrl ?? '')
  down.port = String(await freePort())
  const unreachable = new PostgresStorage({ connectionString: down.toString() })
  defer(() => unreachable.close())
  const metrics = createMetrics()
  await pair.broker.ensureTopics(topicsOf(pair.config))
  await pair.storage.migrate()
  const saver = await startSaver(pair.config, pair.broker, unreachable, quietLogger(), metrics)
  const T = Date.now() - 10_000
  for (let i = 0; i < 20; i++)
    await pair.broker.publish([
      { topic: pair.config.topic, key: `t-${i}`, value: reading(`t-${i}`, 20, T + i) },
    ])
  await until(async () => {
    const retries = (await metrics.registry.getSingleMetric('flowline_batch_retries_total')?.get())?.values[0]
    return (retries?.value ?? 0) >= 3 ? true : undefined
  }, 'the saver retrying')
  await saver.close()
  const errors = await drainTopic(pair.broker, pair.config.errorsTopic, 1, 3000, 0)
  assert.deepEqual(errors, [], 'nothing went to the errors topic while the database was unreachable')
  // The database answers again (the real URL): everything is stored, nothing dead-lettered.
  const { api, rows } = await startFlow(defer, pair)
  for (let i = 0; i < 20; i++)
    await until(async () => ((await rows(`t-${i}`)) === 1 ? true : undefined), `t-${i}`)
  assert.equal((await api('GET', '/dead-letters')).body.items.length, 0)
}

const openReal: OpenPair = async (defer, flags = {}) => {
  const brokers = await requireKafka()
  const broker = new KafkaBroker({
    bootstrapBrokers: brokers,
    clientId: uniqueName('test'),
    requestTimeoutMs: 5000,
  })
  const database = await createTestDatabase()
  const storage = new PostgresStorage({ connectionString: database.url })
  defer(async () => {
    await storage.close()
    await broker.close()
    await database.drop()
  })
  return { broker, storage, config: configOf(flags), databaseUrl: database.url }
}

const openEmbedded: OpenPair = async (defer, flags = {}) => {
  const directory = await mkdtemp(join(tmpdir(), 'flowline-dead-letters-'))
  const broker = await EmbeddedBroker.open({ directory: join(directory, 'log') })
  const storage = new PGliteStorage({ dataDir: undefined })
  defer(async () => {
    await storage.close()
    await broker.close()
    await rm(directory, { recursive: true, force: true, maxRetries: 10 })
  })
  return { broker, storage, config: configOf(flags) }
}

for (const [name, open] of [
  ['Kafka and PostgreSQL', adapterPairs.real ? openReal : undefined],
  ['the embedded log and PGlite', adapterPairs.embedded ? openEmbedded : undefined],
] as const) {
  if (!open) continue
  describe(`dead letters on ${name}`, { timeout: 180_000 }, () => {
    it('a poison record redriven after correction is stored exactly once; twice stores nothing twice; lookup answers all three states', (t) =>
      redriveAfterCorrection(t, open))
    it('a bulk dry run changes nothing; the bulk redrive keeps its rate and reports progress', (t) =>
      bulkRedrive(t, open))
    it('refuses a stock correction under a movement_id the ledger decided, naming the field; a new id goes', (t) =>
      stockCorrectionNeedsNewId(t, open))
    it('a bulk redrive skips stock letters whose movement_id the ledger decided, and sends the others', (t) =>
      bulkRedriveSkipsDecidedMovements(t, open))
    it('keeps the bytes of older entries, stores a copy once, and refuses entries that are not permanent', (t) =>
      errorsTopicEntries(t, open))
  })
}

if (adapterPairs.real)
  describe('transient failures are never dead letters (Kafka and PostgreSQL)', { timeout: 120_000 }, () => {
    it('PostgreSQL unreachable: retried, nothing on the errors topic, then stored', async (t) => {
      const defer = cleanupStack(t)
      await transientNeverDeadLettered(defer, await openReal(defer))
    })
  })
