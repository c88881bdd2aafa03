import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  createRole,
  csvWithRepeatsAndRejects,
  etlRequest,
  freePortRange,
  query,
  type RoleProcess,
  waitForRun,
} from '../../harness/index.ts'
import type { RunView } from '../../src/etl/run-repository.ts'
import type { Scenario } from '../lib/scenario.ts'
import type { ScenarioRun } from '../lib/scenario-run.ts'

// A role took 65-90 s to answer /health on the shared 2-core machine (load 20-27).
const PATIENCE = 240_000

/** An ETL worker of this scenario on its own port, importing from `importDir` (not started yet). */
async function etlWorker(run: ScenarioRun, label: string, importDir: string): Promise<RoleProcess> {
  return createRole('etl worker', {
    port: await freePortRange(1),
    label,
    logDir: run.logDir,
    startTimeoutMs: PATIENCE,
    flags: { 'database-url': run.databaseUrl, 'etl-import-dir': importDir, 'log-level': 'info' },
  })
}

async function storedImport(url: string, prefix: string) {
  const [stored] = await query<{ rows: number; distinct: number }>(
    url,
    `SELECT count(*)::int AS rows, count(DISTINCT (sensor_id, ts))::int AS distinct
     FROM measurements WHERE sensor_id LIKE $1`,
    [`${prefix}-%`],
  )
  const [running] = await query<{ n: number }>(
    url,
    `SELECT count(*)::int AS n FROM etl_runs WHERE status = 'running'`,
  )
  return { rows: stored?.rows ?? 0, distinct: stored?.distinct ?? 0, running: running?.n ?? 0 }
}

/**
 * ETL workers SIGKILLed mid-import while ingest and the saver take the normal load into the same
 * table. The run's heartbeat stops with the worker; another worker retries it, and the import's
 * `ON CONFLICT DO NOTHING` from staging makes the retry store only what is missing. In the end the
 * run succeeded on a later attempt, every good row is stored once, its repeats and rejects are
 * counted, and no run is left `running`.
 */
export const etlWorkerKill: Scenario = {
  id: 18,
  slug: 'etl-worker-kill',
  title: 'ETL worker SIGKILLed mid-import, the run retried by another worker',
  promises: ['P1', 'P2'],
  async run(run) {
    const rows = run.short ? 60_000 : 300_000
    const kills = run.short ? 1 : 2
    const prefix = `etl-${run.topic}`
    const importDir = join(run.logDir, 'imports')
    mkdirSync(importDir, { recursive: true })
    writeFileSync(join(importDir, 'import.csv'), csvWithRepeatsAndRejects(rows, prefix))
    const workers = [await etlWorker(run, 'etl-a', importDir), await etlWorker(run, 'etl-b', importDir)]
    try {
      // One after another: the first start migrates the scratch database. Three at once on a fresh
      // database left ingest and etl-a silent past 240 s on the loaded machine (load 40).
      const ingest = await run.startRole('ingest', 'ingest', {}, PATIENCE)
      await run.startRole('saver', 'saver', {}, PATIENCE)
      await workers[0]?.start()
      run.startLoad(ingest.url)
      let current = workers[0] as RoleProcess
      const triggered = await etlRequest<RunView>(current.url, 'POST', '/etl/runs', {
        pipeline: 'import-measurements',
        params: { source: 'import.csv' },
      })
      run.event('import triggered', `run ${triggered.id}: ${rows} good rows, 1,000 repeats, 10 rejects`)
      const killedAt: number[] = []
      for (let kill = 1; kill <= kills; kill++) {
        // Mid-import: this attempt has read part of the file, not all of it.
        const seen = await waitForRun(
          current.url,
          triggered.id,
          (view) => view.status === 'running' && view.attempt === kill && view.counts.read > rows / 10,
          PATIENCE,
        )
        await current.kill()
        killedAt.push(seen.counts.read)
        run.event('fault', `${current.label} SIGKILLed in attempt ${kill}, ${seen.counts.read} rows read`)
        const next = workers[kill % 2] as RoleProcess
        if (!next.running) await next.start()
        run.event(`${next.label} started`, `pid ${next.pid}`)
        current = next
      }
      run.heal('the last ETL worker stays up')
      const done = await waitForRun(
        current.url,
        triggered.id,
        (view) => view.status === 'succeeded' || view.status === 'failed' || view.status === 'cancelled',
        run.short ? 300_000 : 600_000,
      )
      const stored = await storedImport(run.databaseUrl, prefix)
      run.metrics.etlRows = rows
      run.metrics.etlKills = kills
      run.metrics.etlReadAtKills = killedAt
      run.metrics.etlStored = stored.rows
      run.metrics.etlCounts = done.counts
      run.check(
        'the killed run succeeded on a later attempt',
        done.status === 'succeeded' && done.attempt === kills + 1,
        `status ${done.status}, attempt ${done.attempt}${done.error ? `, error ${done.error}` : ''}`,
      )
      run.check(
        'every good row of the import is stored once',
        stored.rows === rows && stored.distinct === rows,
        `${stored.rows} rows, ${stored.distinct} distinct (sensor, ts), ${rows} good rows in the file`,
      )
      run.check(
        'the run counts the repeats and the rejects',
        done.counts.read === rows + 1010 && done.counts.valid === rows + 1000 && done.counts.rejected === 10,
        JSON.stringify(done.counts),
      )
      run.check('no run is left running', stored.running === 0, `${stored.running} runs in status running`)
    } finally {
      await Promise.all(workers.map((worker) => worker.close()))
    }
  },
}
