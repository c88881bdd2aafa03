import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { promisify } from 'node:util'
import pg from 'pg'
import {
  csvWithRepeatsAndRejects,
  etlRequest,
  HARNESS_API_KEY,
  type RoleProcess,
  startRole,
  waitForRun,
} from '../../harness/index.ts'
import type { RunView } from '../../src/etl/run-repository.ts'
import { createTestDatabase } from '../helpers/services.ts'

const MAIN = join(import.meta.dirname, '../../src/main.ts')

const startWorker = (url: string, importDir: string) =>
  startRole('etl worker', {
    flags: { 'database-url': url, 'etl-import-dir': importDir, 'log-level': 'warn' },
    startTimeoutMs: 120_000,
  })

test('a worker SIGKILLed mid-import: another retries the run, every good row is stored once, API and CLI agree', {
  timeout: 600_000,
}, async (t) => {
  const { url, drop } = await createTestDatabase()
  const importDir = await mkdtemp(join(tmpdir(), 'flowline-etl-crash-'))
  const workers: RoleProcess[] = []
  t.after(async () => {
    for (const worker of workers) await worker.close()
    await rm(importDir, { recursive: true, force: true, maxRetries: 10 })
    await drop()
  })
  const rows = 300_000
  await writeFile(join(importDir, 'crash.csv'), csvWithRepeatsAndRejects(rows))

  const a = await startWorker(url, importDir)
  workers.push(a)
  const run = await etlRequest<RunView>(a.url, 'POST', '/etl/runs', {
    pipeline: 'import-measurements',
    params: { source: 'crash.csv' },
  })
  await waitForRun(a.url, run.id, (r) => r.status === 'running' && r.counts.read > 20_000, 180_000)
  await a.kill()
  const killedAt = Date.now()

  const b = await startWorker(url, importDir)
  workers.push(b)
  const done = await waitForRun(
    b.url,
    run.id,
    (r) => r.status === 'succeeded' || r.status === 'failed',
    400_000,
  )
  assert.equal(done.status, 'succeeded', done.error ?? '')
  assert.equal(done.attempt, 2, 'the second attempt finished the run')
  assert.deepEqual(
    { read: done.counts.read, valid: done.counts.valid, rejected: done.counts.rejected },
    { read: rows + 1010, valid: rows + 1000, rejected: 10 },
  )
  t.diagnostic(`retried and finished ${Math.round((Date.now() - killedAt) / 1000)} s after the SIGKILL`)

  const client = new pg.Client({ connectionString: url })
  await client.connect()
  const { rows: stored } = await client.query<{ n: number; distinct: number }>(
    `SELECT count(*)::int AS n, count(DISTINCT (sensor_id, ts))::int AS distinct FROM measurements`,
  )
  assert.deepEqual(stored[0], { n: rows, distinct: rows }, 'every good row once')
  const { rows: summary } = await client.query<{ n: number }>(
    'SELECT sum(measurement_count)::int AS n FROM sensor_summaries',
  )
  assert.equal(summary[0]?.n, rows, 'the sensors summary counts each row once')
  await client.end()

  const logs = await etlRequest<{ items: { message: string }[] }>(b.url, 'GET', `/etl/runs/${run.id}/logs`)
  assert.equal(logs.items.filter((line) => /attempt \d of 3 started/.test(line.message)).length, 2)

  const shown = await promisify(execFile)(process.execPath, [
    MAIN,
    'etl',
    'show',
    run.id,
    '--json',
    '--etl-url',
    b.url,
    '--api-token',
    HARNESS_API_KEY,
  ])
  const cli = JSON.parse(shown.stdout) as RunView
  const api = await etlRequest<RunView>(b.url, 'GET', `/etl/runs/${run.id}`)
  assert.deepEqual(cli.counts, api.counts, 'the CLI shows the counts the API does')
  assert.equal(cli.status, api.status)
  const listed = await promisify(execFile)(process.execPath, [
    MAIN,
    'etl',
    'runs',
    '--etl-url',
    b.url,
    '--api-token',
    HARNESS_API_KEY,
  ])
  assert.match(
    listed.stdout,
    new RegExp(
      `${run.id}\\s+import-measurements\\s+succeeded.*${api.counts.loaded.toLocaleString('en-US')}\\s+10`,
    ),
  )
})
