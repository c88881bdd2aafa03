import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { authHeaders, createRole, freePort, HARNESS_API_KEY } from '../../harness/index.ts'
import type { MeasurementInput } from '../../src/domain/measurement.ts'
import { runSimulator } from '../../src/roles/simulator/simulator.ts'
import { MeasurementsRepository } from '../../src/storage/measurements-repository.ts'
import { PGliteStorage } from '../../src/storage/pglite-storage.ts'

describe('embedded mode (`npm start`): one process, embedded log and PGlite', () => {
  it('keeps every measurement that got a 202 exactly once across kill -9 and restarts', async (t) => {
    const dataDir = await mkdtemp(join(tmpdir(), 'flowline-embedded-'))
    t.after(() => rm(dataDir, { recursive: true, force: true, maxRetries: 10 }))
    const [adminPort, saverPort, aggregatePort, deadLetterSaverPort] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ])
    const flags = {
      'data-dir': dataDir,
      'admin-port': adminPort,
      'saver-port': saverPort,
      'aggregate-port': aggregatePort,
      'dead-letter-saver-port': deadLetterSaverPort,
      'log-level': 'warn',
    }
    const running = await createRole('up', { flags: { ...flags, embedded: true, simulator: false } })
    await running.start()
    t.after(() => running.kill())

    const accepted: MeasurementInput[] = []
    const load = runSimulator({
      targetUrl: running.url,
      sensors: 40,
      rate: 2000,
      batch: 20,
      count: 16_000,
      durationS: 0,
      faultyRatio: 0,
      concurrency: 8,
      maxAttempts: 30,
      onAccepted: (items) => accepted.push(...items),
      token: HARNESS_API_KEY,
    })
    for (let crash = 0; crash < 2; crash++) {
      // Crash once a third more of the load got its 202s, so each kill -9 lands mid-stream.
      const deadline = Date.now() + 60_000
      while (accepted.length < (crash + 1) * 5000 && Date.now() < deadline) await sleep(20)
      const acceptedAtKill = accepted.length
      await running.kill()
      assert.ok(
        acceptedAtKill >= (crash + 1) * 5000 && acceptedAtKill < 16_000,
        `crash ${crash + 1} landed mid-stream (${acceptedAtKill} of 16000 accepted)`,
      )
      await running.start()
    }
    const summary = await load
    assert.equal(summary.failed, 0)
    assert.equal(summary.accepted, 16_000)

    // The saver catches up after the restarts; the admin API shows it.
    const deadline = Date.now() + 60_000
    let stored = 0
    while (Date.now() < deadline && stored < accepted.length) {
      const url = `http://127.0.0.1:${adminPort}/sensors?limit=1000`
      const { items: sensors } = (await (await fetch(url, { headers: authHeaders() })).json()) as {
        items: Array<{ count: number | null }>
      }
      stored = sensors.reduce((sum, sensor) => sum + (sensor.count ?? 0), 0)
      if (stored < accepted.length) await sleep(250)
    }
    assert.equal(stored, accepted.length)
    assert.equal(await running.stop('SIGTERM'), 0, 'Ctrl-C drains and exits cleanly')

    // PGlite has one owner at a time: with the process stopped, the test opens the same files.
    const storage = new PGliteStorage({ dataDir: join(dataDir, 'pglite') })
    t.after(() => storage.close())
    const rows = await new MeasurementsRepository(storage.db).recent({ limit: 100_000 })
    const keys = new Set(rows.map((row) => `${row.sensor_id}|${row.timestamp}`))
    assert.equal(rows.length, accepted.length, 'no duplicate, nothing extra')
    assert.deepEqual(
      accepted.filter((m) => !keys.has(`${m.sensor_id}|${m.timestamp}`)),
      [],
      'no accepted measurement is missing',
    )
  })
})
