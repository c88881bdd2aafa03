import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import type { FastifyInstance } from 'fastify'
import { sql } from 'kysely'
import type { Config } from '../../src/config/config.ts'
import { type EtlWorker, startEtlWorker } from '../../src/etl/etl-worker.ts'
import type { RunPublisher } from '../../src/etl/pipeline.ts'
import { PIPELINES } from '../../src/etl/pipelines/index.ts'
import { RunRepository, type RunView } from '../../src/etl/run-repository.ts'
import { RunService } from '../../src/etl/run-service.ts'
import type { Schedule } from '../../src/etl/schedules.ts'
import { createLogger } from '../../src/observability/logger.ts'
import { createEtlApp } from '../../src/roles/etl/etl-app.ts'
import { createRunQueue } from '../../src/runtime/composition.ts'
import type { Storage } from '../../src/storage/storage.ts'
import { testAuth } from './credentials.ts'
import { createMetrics, quietLogger } from './pipeline.ts'

export interface EtlHarness {
  readonly service: RunService
  readonly repository: RunRepository
  readonly importDir: string
  /** Starts one more worker on the same database (its own pg-boss instance), named `name`. */
  startWorker(name: string, schedules?: readonly Schedule[]): Promise<EtlWorker>
  writeImport(name: string, text: string, gzip?: boolean): Promise<void>
  /** Polls the run until `done(run)` or the deadline; returns the last run read. */
  waitFor(id: string, done: (run: RunView) => boolean, timeoutMs?: number): Promise<RunView>
  close(): Promise<void>
}

/**
 * An ETL on a migrated storage: the run service, workers on demand (publishing through
 * `publisher` when given), an import directory.
 */
export async function openEtl(
  storage: Storage,
  config: Config,
  publisher?: RunPublisher,
): Promise<EtlHarness> {
  const importDir = await mkdtemp(join(tmpdir(), 'flowline-etl-imports-'))
  const repository = new RunRepository(storage.db)
  const logger = process.env.ETL_TEST_LOG ? createLogger('warn', 'etl-test') : quietLogger()
  const clientQueue = await createRunQueue(config, storage, logger)
  await clientQueue.start(PIPELINES)
  const workers: EtlWorker[] = []
  const service = new RunService(repository, clientQueue, PIPELINES)
  return {
    service,
    repository,
    importDir,
    async startWorker(name, schedules = []) {
      // A worker with schedules looks for due ones every second: a test's schedule that is due (pg-boss
      // counts an occurrence in the last minute as due) runs within seconds, not after up to 35 s.
      const queue = await createRunQueue(
        config,
        storage,
        logger,
        schedules.length > 0 ? { cronCheckSeconds: 1 } : {},
      )
      const worker = await startEtlWorker({
        queue,
        pipelines: PIPELINES,
        repository,
        storage,
        logger,
        worker: name,
        importDir,
        concurrency: 2,
        heartbeatSeconds: config.etlHeartbeatSeconds,
        schedules,
        publisher,
      })
      workers.push(worker)
      return worker
    },
    writeImport: (name, text, gzip = false) => writeFile(join(importDir, name), gzip ? gzipSync(text) : text),
    async waitFor(id, done, timeoutMs = 120_000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        // A loaded machine may refuse a connection for a moment: poll again rather than fail.
        const run = await service.get(id).catch(() => undefined)
        if (run && done(run)) return run
        if (Date.now() > deadline)
          throw new Error(`run ${id} still ${run?.status} after ${timeoutMs} ms: ${JSON.stringify(run)}`)
        await new Promise((resolve) => setTimeout(resolve, 200))
      }
    },
    async close() {
      for (const worker of workers) await worker.stop(5000)
      await clientQueue.stop(1000)
      await rm(importDir, { recursive: true, force: true, maxRetries: 10 })
    },
  }
}

export const finished = (run: RunView) => ['succeeded', 'failed', 'cancelled'].includes(run.status)

/** The rows of `measurements` as `sensor|epoch ms|temperature`, sorted. */
export async function measurementRows(storage: Storage): Promise<string[]> {
  const { rows } = await sql<{ key: string }>`
    SELECT sensor_id || '|' || (extract(epoch FROM ts) * 1000)::bigint || '|' || temperature AS key
    FROM measurements ORDER BY 1`.execute(storage.db)
  return rows.map((row) => row.key)
}

export { generatedCsv } from '../../harness/etl.ts'

/** The ETL run API in process, auth on (the harness's admin key is stored): close it after. */
export async function etlApp(storage: Storage, service: RunService): Promise<FastifyInstance> {
  const auth = await testAuth(storage)
  return createEtlApp({ storage, service, logger: quietLogger(), metrics: createMetrics(), auth: auth.guard })
}
