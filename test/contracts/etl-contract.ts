import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { sql } from 'kysely'
import { CredentialsRepository } from '../../src/auth/credentials-repository.ts'
import type { Config } from '../../src/config/config.ts'
import type { Storage } from '../../src/storage/storage.ts'
import { type EtlHarness, etlApp, finished, generatedCsv, measurementRows } from '../helpers/etl.ts'
import { closeEtl, openEtlWithWorker } from './etl-setups.ts'

export interface EtlSetup {
  storage: Storage
  config: Config
  cleanup: () => Promise<void>
}

/** Good, bad and duplicate rows; the comments say what each must become. */
const MIXED_CSV = [
  'device,reading,time,unit',
  ' s1 ,20.5,2026-11-22T10:00:00Z,C', //                 2: good (trimmed)
  's1,68,2026-11-22T10:01:00Z,F', //                     3: good, 20 °C
  's2,300,2026-11-22T10:00:00+02:00,K', //               4: good, 26.85 °C at 08:00Z
  's2,abc,2026-11-22T10:00:00Z,C', //                    5: rejected, not a number
  's3,21,2026-11-22 10:00:00,C', //                      6: rejected, no zone
  's1,20.5,2026-11-22T10:00:00Z,C', //                   7: duplicate of line 2
  's4,5000,2026-11-22T10:00:00Z,C', //                   8: rejected, out of range
  's5,1,2,3,4', //                                        9: rejected, 5 fields
  ',20,2026-11-22T10:00:00Z,C', //                       10: rejected, empty sensor
  's6,21,1764000000,C', //                               11: good, epoch seconds
  's7,21,2026-11-22T10:00:00Z,R', //                     12: rejected, unknown unit
  's8,21,2099-01-01T00:00:00Z,C', //                     13: rejected, future
].join('\n')
const MAPPING = {
  sensor_column: 'device',
  temperature_column: 'reading',
  timestamp_column: 'time',
  unit_column: 'unit',
}

/** The ETL's behaviour, the same on every storage adapter (and so every job-queue backend). */
export function runEtlContract(name: string, open: () => Promise<EtlSetup>): void {
  describe(`ETL contract: ${name}`, { timeout: 600_000 }, () => {
    let setup: EtlSetup
    let etl: EtlHarness
    before(async () => {
      ;({ setup, etl } = await openEtlWithWorker(open))
    })
    after(() => closeEtl(setup, etl))

    it('answers its run API only to the right roles: viewers read, operators trigger, cancel and retry', async () => {
      const app = await etlApp(setup.storage, etl.service)
      try {
        const credentials = new CredentialsRepository(setup.storage.db)
        const keyOf = async (role: 'viewer' | 'operator') =>
          `Bearer ${(await credentials.createToken({ kind: 'api_key', name: `etl-${role}`, role }, 'test')).token}`
        const callers = { none: undefined, viewer: await keyOf('viewer'), operator: await keyOf('operator') }
        const documented = Object.entries(
          (await app.inject('/docs/json')).json().paths as Record<string, object>,
        )
        const failures: string[] = []
        for (const [path, operations] of documented)
          for (const method of Object.keys(operations)) {
            // Event streams never end: their access is the same as the run they follow (viewer).
            if (path.endsWith('/events')) continue
            const url = path.replace('{id}', '00000000-0000-0000-0000-000000000000')
            const writes = method !== 'get'
            for (const [caller, authorization] of Object.entries(callers)) {
              const response = await app.inject({
                method: method.toUpperCase() as 'GET' | 'POST',
                url,
                headers: authorization ? { authorization } : {},
                ...(writes ? { payload: {} } : {}),
              })
              const expected = caller === 'none' ? 401 : caller === 'viewer' && writes ? 403 : undefined
              const right =
                expected === undefined
                  ? response.statusCode !== 401 && response.statusCode !== 403 && response.statusCode < 500
                  : response.statusCode === expected
              if (!right) failures.push(`${method.toUpperCase()} ${url} as ${caller}: ${response.statusCode}`)
            }
          }
        assert.ok(documented.length >= 5, 'the run API is documented')
        assert.deepEqual(failures, [])
      } finally {
        await app.close()
      }
    })

    it('loads exactly the good rows, reports every bad one with its line and reason, and a second run loads nothing', async () => {
      await etl.writeImport('mixed.csv', MIXED_CSV)
      const first = await etl.service.trigger(
        'import-measurements',
        { source: 'mixed.csv', ...MAPPING },
        'api',
      )
      const done = await etl.waitFor(first.id, finished)
      assert.equal(done.status, 'succeeded', done.error ?? '')
      assert.deepEqual(done.counts, { read: 12, valid: 5, rejected: 7, loaded: 4, duplicates: 1 })
      const rejects = await etl.repository.rejects(first.id, 0, 100)
      assert.deepEqual(
        rejects.map((r) => r.line),
        [5, 6, 8, 9, 10, 12, 13],
      )
      assert.match(rejects[0]?.reason ?? '', /reading: "abc" is not a number/)
      assert.match(rejects[1]?.reason ?? '', /no time zone/)
      assert.match(rejects[2]?.reason ?? '', /5000 °C is outside/)
      assert.match(rejects[3]?.reason ?? '', /columns length is 4, got 5/)
      assert.match(rejects[4]?.reason ?? '', /device: is empty/)
      assert.match(rejects[5]?.reason ?? '', /unknown unit "r"/)
      assert.match(rejects[6]?.reason ?? '', /future/)
      assert.equal(rejects[0]?.raw, 's2,abc,2026-11-22T10:00:00Z,C')
      const at = (iso: string) => Date.parse(iso)
      assert.deepEqual(await measurementRows(setup.storage), [
        `s1|${at('2026-11-22T10:00:00Z')}|20.5`,
        `s1|${at('2026-11-22T10:01:00Z')}|20`,
        `s2|${at('2026-11-22T08:00:00Z')}|26.85`,
        's6|1764000000000|21',
      ])
      const second = await etl.service.trigger(
        'import-measurements',
        { source: 'mixed.csv', ...MAPPING },
        'api',
      )
      const again = await etl.waitFor(second.id, finished)
      assert.equal(again.status, 'succeeded')
      assert.deepEqual(again.counts, { read: 12, valid: 5, rejected: 7, loaded: 0, duplicates: 5 })
      assert.equal((await measurementRows(setup.storage)).length, 4)
      const logs = await etl.repository.logs(second.id)
      assert.ok(
        logs.some((line) => /loaded 0 rows/.test(line.message)),
        JSON.stringify(logs),
      )
    })

    it('reads gzip NDJSON, naive timestamps in an explicit zone, and Fahrenheit', async () => {
      const lines = [
        { id: 'n1', f: 212, at: '2026-07-01 12:00:00' }, // Paris summer time: 10:00Z, 100 °C
        { id: 'n1', f: 32, at: '2026-01-01T12:00:00' }, // winter: 11:00Z, 0 °C
        'not json',
      ].map((line) => (typeof line === 'string' ? line : JSON.stringify(line)))
      await etl.writeImport('readings.ndjson.gz', `${lines.join('\n')}\n`, true)
      const run = await etl.service.trigger(
        'import-measurements',
        {
          source: 'readings.ndjson.gz',
          sensor_column: 'id',
          temperature_column: 'f',
          timestamp_column: 'at',
          unit: 'F',
          timezone: 'Europe/Paris',
        },
        'api',
      )
      const done = await etl.waitFor(run.id, finished)
      assert.equal(done.status, 'succeeded', done.error ?? '')
      assert.deepEqual(done.counts, { read: 3, valid: 2, rejected: 1, loaded: 2, duplicates: 0 })
      const rows = (await measurementRows(setup.storage)).filter((row) => row.startsWith('n1|'))
      assert.deepEqual(rows, [
        `n1|${Date.parse('2026-01-01T11:00:00Z')}|0`,
        `n1|${Date.parse('2026-07-01T10:00:00Z')}|100`,
      ])
    })

    it('refuses bad parameters at trigger time and fails a run whose file or column is missing, without retrying', async () => {
      await assert.rejects(
        etl.service.trigger('import-measurements', { source: 'x.csv', unit: 'X' }, 'api'),
        /bad parameters: unit: one of C, F, K/,
      )
      await assert.rejects(
        etl.service.trigger('import-measurements', { sorce: 'x.csv' }, 'api'),
        /unknown parameter sorce/,
      )
      const missing = await etl.service.trigger('import-measurements', { source: '../../etc/passwd' }, 'api')
      const failed = await etl.waitFor(missing.id, finished)
      assert.equal(failed.status, 'failed')
      assert.equal(failed.attempt, 1, 'input errors are not retried')
      assert.match(failed.error ?? '', /outside the import directory|No file/)
      await etl.writeImport('nocolumn.csv', 'a,b\n1,2\n')
      const noColumn = await etl.waitFor(
        (await etl.service.trigger('import-measurements', { source: 'nocolumn.csv' }, 'api')).id,
        finished,
      )
      assert.match(noColumn.error ?? '', /CSV header has no column "sensor_id", "temperature", "timestamp"/)
    })

    it('cancels a running import within 5 seconds, and a retry of it loads the rest once', async () => {
      await etl.writeImport('big.csv', generatedCsv(200_000))
      const run = await etl.service.trigger('import-measurements', { source: 'big.csv' }, 'api')
      await etl.waitFor(run.id, (r) => r.status === 'running' && r.counts.read > 0)
      const asked = performance.now()
      await etl.service.cancel(run.id)
      const cancelled = await etl.waitFor(run.id, finished, 30_000)
      const tookMs = performance.now() - asked
      assert.equal(cancelled.status, 'cancelled')
      assert.ok(tookMs < 5000, `cancel took ${Math.round(tookMs)} ms`)
      const { rows } = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM pg_class WHERE relname LIKE 'etl_stage_%'`.execute(setup.storage.db)
      assert.equal(
        rows[0]?.n,
        0,
        `the staging table is dropped: ${JSON.stringify(await etl.repository.logs(run.id))}`,
      )
      const retry = await etl.service.retry(run.id, 'retry')
      assert.equal(retry.retry_of, run.id)
      const done = await etl.waitFor(retry.id, finished, 300_000)
      assert.equal(done.status, 'succeeded', done.error ?? '')
      const { rows: count } = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM measurements WHERE sensor_id LIKE 'sensor-%'`.execute(setup.storage.db)
      assert.equal(count[0]?.n, 200_000)
    })

    it('shares runs between two workers, never running one twice', async () => {
      await etl.startWorker('worker-b')
      await etl.writeImport('small.csv', generatedCsv(500, 'shared'))
      const runs = await Promise.all(
        Array.from({ length: 6 }, () =>
          etl.service.trigger('import-measurements', { source: 'small.csv' }, 'api'),
        ),
      )
      const done = await Promise.all(runs.map((run) => etl.waitFor(run.id, finished)))
      for (const run of done) {
        assert.equal(run.status, 'succeeded')
        assert.equal(run.attempt, 1)
        const started = (await etl.repository.logs(run.id)).filter((line) => /started on/.test(line.message))
        assert.equal(started.length, 1, `run ${run.id} started ${started.length} times`)
      }
      assert.equal(
        done.reduce((sum, run) => sum + run.counts.loaded, 0),
        500,
        'six runs of the same file at once load each row once between them',
      )
    })

    it('fires a schedule (cron, explicit time zone)', async () => {
      await etl.startWorker('worker-scheduler', [
        {
          pipeline: 'import-measurements',
          cron: '* * * * *',
          timeZone: 'Asia/Kolkata',
          params: { source: 'small.csv' },
        },
      ])
      const deadline = Date.now() + 150_000
      let scheduled: Awaited<ReturnType<typeof etl.repository.list>> = []
      while (scheduled.length === 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 1000))
        scheduled = (await etl.repository.list({ pipeline: 'import-measurements', limit: 100 })).filter(
          (run) => run.trigger === 'schedule',
        )
      }
      assert.ok(scheduled.length >= 1, 'a scheduled run was created within 150 s')
      const run = await etl.waitFor(scheduled[0]?.id ?? '', finished)
      assert.equal(run.status, 'succeeded', run.error ?? '')
    })
  })
}
