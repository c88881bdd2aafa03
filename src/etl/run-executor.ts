import type { Static, TObject } from '@sinclair/typebox'
import { FlowlineError } from '../errors.ts'
import type { Logger } from '../observability/logger.ts'
import type { Storage } from '../storage/storage.ts'
import { validateParams } from './params.ts'
import type { Pipeline, RunContext, RunPublisher } from './pipeline.ts'
import type { RunJob } from './run-queue.ts'
import type { RunRepository } from './run-repository.ts'
import { RunCancelledError, RunTracker } from './run-tracker.ts'

export interface ExecutorDeps {
  readonly storage: Storage
  readonly repository: RunRepository
  readonly logger: Logger
  /** Names this process in the run (`host:pid`). */
  readonly worker: string
  /** Settings a pipeline may need, such as where imports may read files. */
  readonly importDir: string
  /** The broker, for pipelines that publish to the streams; absent in a worker without one. */
  readonly publisher?: RunPublisher
}

/**
 * Runs one attempt of a run: its steps in order, with progress and counts written as it goes.
 * Returns normally when the run ends (succeeded, cancelled, or failed for good on bad input);
 * throws to let pg-boss retry the job when the failure may pass and attempts remain.
 */
export async function executeRun(deps: ExecutorDeps, pipeline: Pipeline, job: RunJob): Promise<void> {
  const { repository } = deps
  const runId = job.id
  const attempt = job.retryCount + 1
  const maxAttempts = pipeline.retry.limit + 1
  // A scheduled job has no run row yet: the job is the run.
  await repository.create({
    id: runId,
    pipeline: pipeline.name,
    params: job.data.params,
    trigger: job.data.trigger ?? 'schedule',
    maxAttempts,
    progressUnit: pipeline.progressUnit,
  })
  if (!(await repository.start(runId, attempt, deps.worker))) {
    await repository.finish(runId, 'cancelled')
    return
  }
  const logger = deps.logger.child({ runId, pipeline: pipeline.name, attempt })
  const tracker = new RunTracker(runId, attempt, repository)
  const signal = AbortSignal.any([job.signal, tracker.cancelSignal, tracker.writeFailureSignal])
  tracker.log(`attempt ${attempt} of ${maxAttempts} started on ${deps.worker}`)
  tracker.start()
  let context: RunContext<Static<TObject>> | undefined
  try {
    const params = validateParams(pipeline.name, pipeline.params, job.data.params) as Static<TObject>
    context = {
      runId,
      attempt,
      params,
      storage: deps.storage,
      logger,
      signal,
      counts: tracker.counts,
      progress: (done, total) => tracker.progress(done, total),
      log: (message, level) => tracker.log(message, level),
      reject: (line, reason, raw) => tracker.reject(line, reason, raw),
      importDir: deps.importDir,
      publisher: deps.publisher,
    }
    for (const step of pipeline.steps) {
      signal.throwIfAborted()
      const started = performance.now()
      await step.run(context)
      tracker.log(`step ${step.name} done in ${Math.round(performance.now() - started)} ms`)
    }
    await cleanUp(pipeline, context)
    await tracker.stop()
    await repository.finish(runId, 'succeeded', undefined, attempt)
    logger.info({ counts: tracker.counts }, 'run succeeded')
  } catch (error) {
    // pg-boss aborts the job's signal on a cancel too, sometimes before the tracker sees the flag.
    const cancelled =
      tracker.cancelSignal.aborted || (await repository.cancelRequested(runId).catch(() => false))
    if (context) await cleanUp(pipeline, context)
    if (cancelled) {
      tracker.log('cancelled', 'warn')
      await tracker.stop().catch(() => {})
      await repository.finish(runId, 'cancelled', undefined, attempt)
      return
    }
    // What reaches the run (and so the API) is our own message; internals stay in the worker log.
    const known = error instanceof FlowlineError
    const message = known ? error.message : 'internal error (the worker log has the details)'
    logger.error({ err: error }, 'run attempt failed')
    // A worker that stops mid-run (its signal aborted) leaves the run to pg-boss's retry too.
    const retry = !(known && !error.retryable) && attempt < maxAttempts
    tracker.log(`attempt ${attempt} failed: ${message}${retry ? '; will retry' : ''}`, 'error')
    await tracker.stop().catch(() => {})
    if (!retry) {
      await repository.finish(runId, 'failed', message, attempt)
      return
    }
    await repository.requeue(runId, message, attempt)
    throw error
  }
}

async function cleanUp(pipeline: Pipeline, context: RunContext<Static<TObject>>): Promise<void> {
  await pipeline.cleanup?.(context).catch((error: Error) => {
    context.logger.warn({ err: error }, 'run cleanup failed')
    context.log('cleanup failed (the worker log has the details)', 'warn')
  })
}

export { RunCancelledError }
