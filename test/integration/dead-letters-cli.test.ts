import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { it } from 'node:test'
import { promisify } from 'node:util'
import { drainTopic } from '../../harness/index.ts'
import { EmbeddedBroker } from '../../src/broker/embedded/embedded-broker.ts'
import { createAdminApp } from '../../src/roles/admin/admin-app.ts'
import { DeadLetterActions } from '../../src/roles/dead-letters/dead-letter-actions.ts'
import { NODE_FLAGS } from '../../src/runtime/node-flags.ts'
import { DeadLettersRepository } from '../../src/storage/dead-letters-repository.ts'
import { MeasurementsRepository } from '../../src/storage/measurements-repository.ts'
import { PGliteStorage } from '../../src/storage/pglite-storage.ts'
import { HARNESS_API_KEY, testAuth } from '../helpers/credentials.ts'
import { createMetrics, quietLogger } from '../helpers/pipeline.ts'

const MAIN = new URL('../../src/main.ts', import.meta.url).pathname
const run = promisify(execFile)

async function flowline(args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [...NODE_FLAGS, MAIN, ...args], {
      timeout: 120_000,
    })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string }
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr }
  }
}

const entry = (offset: number, sensorId: string, payload: string) => ({
  errorsTopic: 'errors',
  errorsPartition: 0,
  errorsOffset: BigInt(offset),
  sourceTopic: 'temperatures',
  sourcePartition: 0,
  sourceOffset: BigInt(100 + offset),
  sourceKey: sensorId,
  payload: Buffer.from(payload),
  reason: 'temperature must be <= 1000',
  field: 'temperature',
  sensorId,
  measuredAtMs: Date.parse('2026-12-01T10:00:00Z'),
  failedAtMs: Date.parse('2026-12-01T10:00:01Z'),
})

it('flowline dead-letters list, show, redrive (corrected, from a file; bulk dry run) and discard, against the admin API', {
  timeout: 300_000,
}, async (t) => {
  const directory = await mkdtemp(join(tmpdir(), 'flowline-dead-letters-cli-'))
  const broker = await EmbeddedBroker.open({ directory: join(directory, 'log') })
  const storage = new PGliteStorage({ dataDir: undefined })
  await storage.migrate()
  const metrics = createMetrics()
  const logger = quietLogger()
  const actions = new DeadLetterActions({
    broker,
    storage,
    logger,
    metrics,
    errorsTopic: 'errors',
    measurementsTopic: 'temperatures',
    stockTopic: 'stock_movements',
    futureToleranceMs: 300_000,
    ratePerSecond: 100,
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
  t.after(async () => {
    await actions.close()
    await app.close()
    await storage.close()
    await broker.close()
    await rm(directory, { recursive: true, force: true, maxRetries: 10 })
  })
  await broker.ensureTopics([{ name: 'temperatures', partitions: 1, replicationFactor: 1 }])
  const poison = '{"sensor_id":"cli-1","temperature":5000,"timestamp":"2026-12-01T10:00:00Z"}'
  await new DeadLettersRepository(storage.db).insertEntries([
    entry(1, 'cli-1', poison),
    entry(2, 'cli-2', '{"sensor_id":"cli-2","temperature":7000,"timestamp":"2026-12-01T10:00:00Z"}'),
  ])
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  const adminUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
  const cli = (...args: string[]) =>
    flowline(['dead-letters', ...args, '--admin-url', adminUrl, '--api-token', HARNESS_API_KEY])

  const list = await cli('list', '--field', 'temperature')
  assert.equal(list.code, 0, list.stderr)
  assert.match(
    list.stdout,
    /^ +1 +new +2026-12-01T10:00:01.000Z +temperatures\/0\/101 +temperature must be <= 1000$/m,
  )
  assert.equal(list.stdout.trim().split('\n').length, 2)

  const shown = await cli('show', '1')
  assert.equal(JSON.parse(shown.stdout).payload, poison)

  const dry = await cli('redrive', '--reason', 'TEMPERATURE', '--dry-run')
  assert.match(dry.stdout, /dry run: 2 new dead letters match; nothing was sent/)

  const fixed = join(directory, 'fixed.json')
  await writeFile(fixed, '{"sensor_id":"cli-1","temperature":50,"timestamp":"2026-12-01T10:00:00Z"}')
  const redriven = await cli('redrive', '1', '--payload', `@${fixed}`)
  assert.equal(redriven.code, 0, redriven.stderr)
  assert.match(redriven.stdout, /redriven/)
  const [sent] = await drainTopic(broker, 'temperatures', 1, 30_000, 200)
  assert.equal(
    sent?.value.toString(),
    '{"sensor_id":"cli-1","temperature":50,"timestamp":"2026-12-01T10:00:00Z"}',
  )

  const again = await cli('redrive', '1')
  assert.equal(again.code, 1)
  assert.match(again.stderr, /409 CONFLICT: dead letter 1 is redriven/)

  const discarded = await cli('discard', '2')
  assert.match(discarded.stdout, /discarded/)
  const missing = await cli('show', '99')
  assert.equal(missing.code, 1)
  assert.match(missing.stderr, /404 NOT_FOUND: no dead letter with id 99/)
})
