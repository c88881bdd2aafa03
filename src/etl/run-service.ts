import { randomUUID } from 'node:crypto'
import { FlowlineError } from '../errors.ts'
import { validateParams } from './params.ts'
import type { Pipeline } from './pipeline.ts'
import type { RunQueue } from './run-queue.ts'
import type { RunFilter, RunRepository, RunView } from './run-repository.ts'

/** What the API and the CLI do with runs: trigger, cancel, retry, and read. */
export class RunService {
  readonly repository: RunRepository
  readonly #queue: RunQueue
  readonly #pipelines: ReadonlyMap<string, Pipeline>

  constructor(repository: RunRepository, queue: RunQueue, pipelines: readonly Pipeline[]) {
    this.repository = repository
    this.#queue = queue
    this.#pipelines = new Map(pipelines.map((pipeline) => [pipeline.name, pipeline]))
  }

  get pipelines(): readonly Pipeline[] {
    return [...this.#pipelines.values()]
  }

  pipeline(name: string): Pipeline {
    const pipeline = this.#pipelines.get(name)
    if (!pipeline)
      throw new FlowlineError(
        'NOT_FOUND',
        `No pipeline ${name} (known: ${[...this.#pipelines.keys()].join(', ')})`,
      )
    return pipeline
  }

  /** Queues a run; its parameters are checked now, so a bad one never reaches a worker. */
  async trigger(
    name: string,
    rawParams: Record<string, unknown>,
    trigger: string,
    retryOf?: string,
  ): Promise<RunView> {
    const pipeline = this.pipeline(name)
    validateParams(name, pipeline.params, rawParams)
    const id = randomUUID()
    await this.repository.create({
      id,
      pipeline: name,
      params: rawParams,
      trigger,
      retryOf,
      maxAttempts: pipeline.retry.limit + 1,
      progressUnit: pipeline.progressUnit,
    })
    await this.#queue.send(name, id, { params: rawParams, trigger })
    return (await this.repository.get(id)) as RunView
  }

  /**
   * Cancels a run: a queued one at once, a running one at its worker's next flush (500 ms) plus
   * the batch in hand. A finished run is left as it is.
   */
  async cancel(id: string): Promise<RunView> {
    const run = await this.get(id)
    if (run.status === 'succeeded' || run.status === 'failed' || run.status === 'cancelled') return run
    await this.repository.requestCancel(id)
    await this.#queue.cancel(run.pipeline, id)
    if (run.status === 'queued') await this.repository.finish(id, 'cancelled')
    return this.get(id)
  }

  /** A new run with the parameters of a failed or cancelled one, linked to it by `retry_of`. */
  async retry(id: string, trigger: string): Promise<RunView> {
    const run = await this.get(id)
    if (run.status !== 'failed' && run.status !== 'cancelled')
      throw new FlowlineError(
        'BAD_REQUEST',
        `Run ${id} is ${run.status}: only failed or cancelled runs are retried`,
      )
    return this.trigger(run.pipeline, run.params, trigger, id)
  }

  /** Retries every failed run that matches (at most `filter.limit`), oldest first. */
  async retryFailed(filter: Omit<RunFilter, 'status'>, trigger: string): Promise<RunView[]> {
    const failed = await this.repository.list({ ...filter, status: 'failed' })
    const retried: RunView[] = []
    for (const run of failed.reverse()) {
      // A run retried already (by an earlier bulk retry) is not retried twice.
      const earlier = await this.repository.retriesOf(run.id)
      if (earlier === 0) retried.push(await this.trigger(run.pipeline, run.params, trigger, run.id))
    }
    return retried
  }

  async get(id: string): Promise<RunView> {
    const run = await this.repository.get(id)
    if (!run) throw new FlowlineError('NOT_FOUND', `No run ${id}`)
    return run
  }
}
