import type { Job, PgBoss } from 'pg-boss'
import type { Pipeline } from './pipeline.ts'

/** What a run's job carries; a scheduled job has no trigger of its own and gets `schedule`. */
export interface RunJobData {
  params: Record<string, unknown>
  trigger?: string
}

export type RunJob = Job<RunJobData>

/** pg-boss's job states, as `jobState` reports them. */
export type JobState = 'created' | 'retry' | 'active' | 'completed' | 'cancelled' | 'failed'

/** The queue name of a pipeline: one pg-boss queue each, so its policy and retries are its own. */
export const queueName = (pipeline: string) => `etl.${pipeline}`

/**
 * The runs' job queue: pg-boss on the PostgreSQL server, or on PGlite in embedded mode through
 * pg-boss's own PGlite adapter (the composition root chooses). A run is one job whose id is the
 * run's id; pg-boss's retries are the run's attempts.
 */
export class RunQueue {
  readonly #boss: PgBoss
  readonly #heartbeatSeconds: number

  constructor(boss: PgBoss, heartbeatSeconds: number) {
    this.#boss = boss
    this.#heartbeatSeconds = heartbeatSeconds
  }

  async start(pipelines: readonly Pipeline[]): Promise<void> {
    await this.#boss.start()
    for (const pipeline of pipelines) {
      const options = {
        // `singleton`: one active job at a time across every worker, the rest wait queued.
        policy: pipeline.concurrency === 1 ? 'singleton' : 'standard',
        retryLimit: pipeline.retry.limit,
        retryDelay: pipeline.retry.delaySeconds,
        retryBackoff: pipeline.retry.backoff,
        expireInSeconds: pipeline.timeoutSeconds,
        // A worker that dies stops heartbeating; pg-boss's monitor then retries or fails its job.
        heartbeatSeconds: this.#heartbeatSeconds,
        deleteAfterSeconds: 7 * 24 * 3600,
      }
      const name = queueName(pipeline.name)
      // A queue's policy is fixed at creation; the rest follows the pipeline's current declaration.
      const { policy, ...updatable } = options
      if (await this.#boss.getQueue(name)) await this.#boss.updateQueue(name, updatable)
      else await this.#boss.createQueue(name, { policy, ...updatable })
    }
  }

  async send(pipeline: string, runId: string, data: RunJobData): Promise<void> {
    await this.#boss.send(queueName(pipeline), data, { id: runId })
  }

  /** Runs `handler` for the pipeline's jobs, `concurrency` at a time in this process. */
  async work(pipeline: string, concurrency: number, handler: (job: RunJob) => Promise<void>): Promise<void> {
    await this.#boss.work<RunJobData>(
      queueName(pipeline),
      { localConcurrency: concurrency, pollingIntervalSeconds: 0.5, batchSize: 1 },
      async ([job]) => {
        if (job) await handler(job)
      },
    )
  }

  async cancel(pipeline: string, runId: string): Promise<void> {
    await this.#boss.cancel(queueName(pipeline), runId)
  }

  async jobState(pipeline: string, runId: string): Promise<JobState | undefined> {
    const job = await this.#boss.getJobById(queueName(pipeline), runId)
    return job?.state as JobState | undefined
  }

  /** Fires `pipeline` on a cron expression evaluated in `timeZone` (an IANA name). */
  async schedule(
    pipeline: string,
    cron: string,
    timeZone: string,
    params: Record<string, unknown>,
  ): Promise<void> {
    await this.#boss.schedule(queueName(pipeline), cron, { params, trigger: 'schedule' }, { tz: timeZone })
  }

  async unscheduleAll(pipelines: readonly Pipeline[]): Promise<void> {
    for (const pipeline of pipelines) await this.#boss.unschedule(queueName(pipeline.name))
  }

  /** Stops fetching; waits up to `timeoutMs` for handlers to return (they see their signal abort). */
  async stop(timeoutMs: number): Promise<void> {
    await this.#boss.stop({ graceful: true, timeout: timeoutMs, close: true })
  }
}
