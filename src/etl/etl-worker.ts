import type { Logger } from '../observability/logger.ts'
import type { Pipeline } from './pipeline.ts'
import { type ExecutorDeps, executeRun } from './run-executor.ts'
import type { RunQueue } from './run-queue.ts'
import type { RunRepository } from './run-repository.ts'
import type { Schedule } from './schedules.ts'

export interface EtlWorkerOptions extends ExecutorDeps {
  readonly queue: RunQueue
  readonly pipelines: readonly Pipeline[]
  /** Runs of each pipeline this process executes at once. */
  readonly concurrency: number
  readonly heartbeatSeconds: number
  readonly schedules: readonly Schedule[]
}

export interface EtlWorker {
  /** Stops taking runs and waits up to `timeoutMs` for those in hand. */
  stop(timeoutMs: number): Promise<void>
}

/**
 * A worker process: takes runs from every pipeline's queue, and keeps `etl_runs` true to the
 * queue. Any number of them share the runs through pg-boss (`SKIP LOCKED` claims).
 */
export async function startEtlWorker(options: EtlWorkerOptions): Promise<EtlWorker> {
  const { queue, pipelines, repository, logger } = options
  await queue.start(pipelines)
  await queue.unscheduleAll(pipelines)
  for (const schedule of options.schedules) {
    await queue.schedule(schedule.pipeline, schedule.cron, schedule.timeZone, schedule.params)
    logger.info(schedule, 'etl schedule set')
  }
  for (const pipeline of pipelines)
    await queue.work(pipeline.name, pipeline.concurrency === 1 ? 1 : options.concurrency, (job) =>
      executeRun(options, pipeline, job),
    )
  const timer = setInterval(
    () =>
      void reconcileLostRuns(repository, queue, options.heartbeatSeconds * 2).catch((error) =>
        logger.warn({ err: error }, 'etl watchdog failed'),
      ),
    options.heartbeatSeconds * 1000,
  )
  return {
    async stop(timeoutMs) {
      clearInterval(timer)
      await queue.stop(timeoutMs)
    },
  }
}

/**
 * A worker killed mid-run cannot say so. pg-boss notices its job's missing heartbeat and retries
 * or fails the job; this brings the run's row in line, so that no run stays `running` forever.
 */
export async function reconcileLostRuns(
  repository: RunRepository,
  queue: RunQueue,
  staleSeconds: number,
  logger?: Logger,
): Promise<number> {
  let fixed = 0
  for (const run of await repository.stale(staleSeconds)) {
    const state = await queue.jobState(run.pipeline, run.id)
    if (state === 'active') continue
    if (state === 'created' || state === 'retry') {
      await repository.requeue(run.id, 'worker lost mid-run; the run will be retried')
    } else {
      await repository.finish(run.id, state === 'cancelled' ? 'cancelled' : 'failed', 'worker lost mid-run')
    }
    logger?.warn({ runId: run.id, jobState: state }, 'etl run of a lost worker reconciled')
    fixed++
  }
  return fixed
}
