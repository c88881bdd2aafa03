import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import {
  authHeaders,
  createRole,
  eventually,
  HARNESS_API_KEY,
  type RoleProcess,
  startRole,
} from '../../harness/index.ts'
import type { MeasurementInput } from '../../src/domain/measurement.ts'
import { runSimulator } from '../../src/roles/simulator/simulator.ts'
import { createTestDatabase, KAFKA_BROKERS, requireKafka, uniqueName } from '../helpers/services.ts'

/** The pipeline as users run it in real mode: one process per role, on real Kafka and PostgreSQL. */
async function startPipeline(t: { after: (fn: () => Promise<unknown>) => void }) {
  await requireKafka()
  const { url, drop } = await createTestDatabase()
  const kafka = {
    kafka: KAFKA_BROKERS.join(','),
    topic: uniqueName('temperatures'),
    'errors-topic': uniqueName('errors'),
    'log-level': 'warn',
  }
  const database = { 'database-url': url, 'log-level': 'warn' }
  const saverFlags = {
    ...kafka,
    ...database,
    group: uniqueName('saver'),
    'batch-wait': 20,
    // The default: the window aggregator runs inside the saver, here on this test's own names.
    'aggregate-group': uniqueName('aggregate'),
    'windows-topic': uniqueName('windows'),
    'alerts-topic': uniqueName('alerts'),
  }
  const processes: RoleProcess[] = []
  t.after(() => Promise.all(processes.map((p) => p.kill())))
  const ingest = await startRole('ingest', { flags: { ...kafka, ...database } })
  processes.push(ingest)
  const admin = await startRole('admin', { flags: database })
  processes.push(admin)
  const saver = await createRole('saver', { flags: saverFlags })
  processes.push(saver)
  const startSaver = async () => {
    await saver.start()
    return saver
  }
  const db = new pg.Client({ connectionString: url })
  await db.connect()
  // Hooks run in the order they were added: processes stop, then this client closes, then the database goes.
  t.after(() => db.end())
  t.after(drop)
  return {
    ingestUrl: ingest.url,
    adminUrl: admin.url,
    startSaver,
    db,
  }
}

async function storedRows(db: pg.Client): Promise<number> {
  return Number((await db.query('SELECT count(*) AS n FROM measurements')).rows[0].n)
}

/** Waits until the table holds `expected` rows, then checks they are exactly the accepted measurements. */
async function assertStoredExactlyOnce(
  db: pg.Client,
  accepted: readonly MeasurementInput[],
  timeoutMs = 60_000,
) {
  const deadline = Date.now() + timeoutMs
  let rows = 0
  while (Date.now() < deadline) {
    rows = await storedRows(db)
    if (rows >= accepted.length) break
    await sleep(250)
  }
  await sleep(500) // a late duplicate would show up here
  const stored = await db.query<{ key: string; n: string }>(
    `SELECT sensor_id || '|' || to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS key, count(*) OVER () AS n FROM measurements`,
  )
  const expected = new Set(accepted.map((m) => `${m.sensor_id}|${m.timestamp}`))
  const actual = new Set(stored.rows.map((row) => row.key))
  const lost = [...expected].filter((key) => !actual.has(key))
  const phantom = [...actual].filter((key) => !expected.has(key))
  assert.equal(expected.size, accepted.length, 'the simulator sent unique (sensor_id, timestamp) pairs')
  assert.deepEqual(lost, [], `${lost.length} accepted measurements are missing`)
  assert.deepEqual(phantom, [], `${phantom.length} rows were never accepted`)
  assert.equal(stored.rows.length, accepted.length, 'no measurement is stored twice')
}

describe('whole pipeline, one process per role, real Kafka and PostgreSQL', () => {
  it('stores every measurement the simulator got a 202 for exactly once, and serves it at the admin API', async (t) => {
    const pipeline = await startPipeline(t)
    await pipeline.startSaver()
    const accepted: MeasurementInput[] = []
    const onAccepted = (items: readonly MeasurementInput[]) => accepted.push(...items)
    const common = {
      targetUrl: pipeline.ingestUrl,
      sensors: 20,
      rate: 0,
      durationS: 0,
      concurrency: 16,
      onAccepted,
      token: HARNESS_API_KEY,
    }
    const singles = await runSimulator({ ...common, batch: 1, count: 1500, faultyRatio: 0.05, seed: 1 })
    const batches = await runSimulator({ ...common, batch: 100, count: 5000, faultyRatio: 0, seed: 2 })
    assert.equal(singles.failed + batches.failed, 0)
    assert.ok(singles.rejected > 0, 'faulty readings were refused')
    assert.equal(singles.accepted + singles.rejected, 1500)
    assert.equal(batches.accepted, 5000)
    await assertStoredExactlyOnce(pipeline.db, accepted)
    // The saver runs the window aggregator inside by default: every stored reading lands in
    // exactly one 1-minute window and one 1-hour window.
    const windowed = async (size: string) =>
      Number(
        (
          await pipeline.db.query(
            'SELECT coalesce(sum(count), 0) AS n FROM measurement_windows WHERE size = $1',
            [size],
          )
        ).rows[0].n,
      )
    for (const size of ['1m', '1h'])
      await eventually(
        async () => (await windowed(size)) === accepted.length,
        `${size} windows counting every reading`,
      )

    const recent = (await (
      await fetch(`${pipeline.adminUrl}/measurements?limit=5`, { headers: authHeaders() })
    ).json()) as {
      items: unknown[]
    }
    assert.equal(recent.items.length, 5)
    const sensors = (
      (await (await fetch(`${pipeline.adminUrl}/sensors`, { headers: authHeaders() })).json()) as {
        items: Array<{ count: number }>
      }
    ).items
    assert.equal(sensors.length, 20)
    assert.equal(
      sensors.reduce((sum, sensor) => sum + sensor.count, 0),
      accepted.length,
    )
  })

  it('loses and duplicates nothing when the saver is killed with SIGKILL mid-stream and restarted', async (t) => {
    const pipeline = await startPipeline(t)
    let saver = await pipeline.startSaver()
    const accepted: MeasurementInput[] = []
    // The load runs until both kills landed and more was accepted after the second (at most
    // 90 s at 1,000/s): a loaded machine that restarts the saver slowly cannot outlast it.
    const stopLoad = new AbortController()
    t.after(() => stopLoad.abort())
    const load = runSimulator({
      targetUrl: pipeline.ingestUrl,
      sensors: 50,
      rate: 1000,
      batch: 10,
      count: 90_000,
      durationS: 0,
      faultyRatio: 0,
      concurrency: 8,
      signal: stopLoad.signal,
      onAccepted: (items) => accepted.push(...items),
      token: HARNESS_API_KEY,
    })
    // Each kill waits for observed progress (more accepted and more stored than at the last kill),
    // not for a fixed time; the load goes on after it, so every kill lands mid-stream.
    let storedAtLastKill = 0
    for (let kill = 1; kill <= 2; kill++) {
      await eventually(
        async () => accepted.length >= kill * 3000 && (await storedRows(pipeline.db)) > storedAtLastKill,
        `progress before kill ${kill}`,
        { intervalMs: 100 },
      )
      await saver.kill()
      storedAtLastKill = await storedRows(pipeline.db)
      const acceptedAtKill = accepted.length
      saver = await pipeline.startSaver()
      await eventually(
        async () => accepted.length >= acceptedAtKill + 2000,
        `load still sending after kill ${kill}`,
        { intervalMs: 100 },
      )
    }
    stopLoad.abort()
    const summary = await load
    assert.equal(summary.failed, 0)
    assert.equal(summary.accepted, accepted.length)
    assert.ok(summary.accepted >= 10_000, `${summary.accepted} accepted`)
    await assertStoredExactlyOnce(pipeline.db, accepted)
  })
})
