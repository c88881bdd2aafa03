import { setTimeout as sleep } from 'node:timers/promises'
import type { Broker, OutgoingRecord } from '../../broker/broker.ts'
import { FlowlineError } from '../../errors.ts'
import type { Logger } from '../../observability/logger.ts'
import { messagingSystem } from '../../observability/messaging-spans.ts'
import type { Metrics } from '../../observability/metrics.ts'
import { publishContinuing } from '../../observability/redrive-spans.ts'
import {
  type DeadLetter,
  type DeadLetterFilter,
  DeadLettersRepository,
} from '../../storage/dead-letters-repository.ts'
import type { Storage } from '../../storage/storage.ts'
import { decidedMovementLetters, refuseDecidedMovement } from './decided-movement-check.ts'
import { type RedriveContext, redriveRecord, whyNotRedrivable } from './redrive-record.ts'

export interface DeadLetterActionsOptions extends RedriveContext {
  readonly broker: Broker
  /** The primary database: actions lock and update rows. */
  readonly storage: Storage
  readonly logger: Logger
  readonly metrics: Metrics
  /** Most letters a bulk redrive sends back per second. */
  readonly ratePerSecond: number
}

/** A bulk redrive as GET /dead-letters/redrives/{id} shows it. */
export interface RedriveJob {
  readonly id: string
  readonly state: 'running' | 'done' | 'failed'
  readonly filter: unknown
  readonly matched: number
  readonly redriven: number
  readonly skipped: number
  readonly error: string | null
  readonly started_by: string
  readonly started_at: string
  readonly updated_at: string
}

/** Letters a bulk redrive locks, publishes and marks in one transaction. */
const MAX_CHUNK = 500

const notFound = (id: string) => new FlowlineError('NOT_FOUND', `no dead letter with id ${id}`)
const notNew = (letter: DeadLetter, action: string) =>
  new FlowlineError(
    'CONFLICT',
    `dead letter ${letter.id} is ${letter.status} (by ${letter.acted_by ?? 'unknown'} at ${letter.acted_at}); ${action}`,
  )

/**
 * Redrive and discard. A redrive locks the dead letter, publishes the record back to its source
 * topic, then marks the letter `redriven`, all inside one transaction: the mark commits only
 * after the broker acknowledged. A crash between the two leaves the letter `new` with its record
 * already sent; redriving it again sends a copy, which the saver skips on (sensor_id, ts). The
 * other order could mark a letter whose record never left.
 */
export class DeadLetterActions {
  readonly #options: DeadLetterActionsOptions
  readonly #repository: DeadLettersRepository
  readonly #stopping = new AbortController()
  #running: Promise<void> = Promise.resolve()

  constructor(options: DeadLetterActionsOptions) {
    this.#options = options
    this.#repository = new DeadLettersRepository(options.storage.db)
  }

  /** Publishes redriven records, each continuing the trace its dead letter carried. */
  #publish(records: OutgoingRecord[]): Promise<void> {
    const { broker } = this.#options
    return publishContinuing(messagingSystem(broker), records, (traced) => broker.publish(traced))
  }

  /** Sends one letter back (with `corrected` as its payload if given). `force` redrives a letter already acted on. */
  async redrive(id: string, actor: string, corrected?: string, force = false): Promise<DeadLetter> {
    await this.#options.storage.db.transaction().execute(async (trx) => {
      const letter = await this.#repository.lock(trx, id)
      if (!letter) throw notFound(id)
      if (letter.status !== 'new' && !force) throw notNew(letter, 'send "force": true to redrive it again')
      const record = redriveRecord(letter, this.#options, corrected)
      if (letter.source.topic === this.#options.stockTopic)
        await refuseDecidedMovement(trx, id, record.value, corrected !== undefined)
      await this.#publish([record])
      await this.#repository.setStatus(trx, [id], 'redriven', actor, corrected)
    })
    this.#options.metrics.deadLettersActed.inc({ action: 'redrive' })
    this.#options.logger.info(
      { deadLetter: id, actor, corrected: corrected !== undefined },
      'dead letter redriven',
    )
    return (await this.#repository.get(id)) as DeadLetter
  }

  async discard(id: string, actor: string): Promise<DeadLetter> {
    await this.#options.storage.db.transaction().execute(async (trx) => {
      const letter = await this.#repository.lock(trx, id)
      if (!letter) throw notFound(id)
      if (letter.status !== 'new') throw notNew(letter, 'only a new dead letter can be discarded')
      await this.#repository.setStatus(trx, [id], 'discarded', actor)
    })
    this.#options.metrics.deadLettersActed.inc({ action: 'discard' })
    return (await this.#repository.get(id)) as DeadLetter
  }

  /**
   * Starts redriving the `new` letters of a filter (at most `limit`), oldest first, at the
   * configured rate, and returns the job at once; its row tells the progress.
   */
  async startBulk(filter: DeadLetterFilter, limit: number, actor: string): Promise<RedriveJob> {
    const onlyNew = { ...filter, status: 'new' as const }
    const { count } = await this.#repository.matching(onlyNew, 0)
    const job = await this.#options.storage.db
      .insertInto('dead_letter_redrives')
      .values({ filter: JSON.stringify(filter), matched: Math.min(count, limit), started_by: actor })
      .returning('id')
      .executeTakeFirstOrThrow()
    const jobId = String(job.id)
    // Jobs run one after another in this process, so two bulk redrives do not double the rate.
    this.#running = this.#running.then(() => this.#runBulk(jobId, onlyNew, limit, actor))
    this.#options.logger.info({ job: jobId, filter, matched: count, actor }, 'bulk redrive started')
    return (await this.job(jobId)) as RedriveJob
  }

  async job(id: string): Promise<RedriveJob | undefined> {
    const row = await this.#options.storage.db
      .selectFrom('dead_letter_redrives')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst()
    if (!row) return undefined
    return {
      id: String(row.id),
      state: row.state,
      filter: typeof row.filter === 'string' ? JSON.parse(row.filter) : row.filter,
      matched: row.matched,
      redriven: row.redriven,
      skipped: row.skipped,
      error: row.error,
      started_by: row.started_by,
      started_at: row.started_at.toISOString(),
      updated_at: row.updated_at.toISOString(),
    }
  }

  /** Stops a bulk redrive between two chunks; what was sent is marked, the rest stays `new`. */
  async close(): Promise<void> {
    this.#stopping.abort()
    await this.#running
  }

  async #runBulk(jobId: string, filter: DeadLetterFilter, limit: number, actor: string): Promise<void> {
    const { ratePerSecond } = this.#options
    let afterId = '0'
    let taken = 0
    try {
      while (taken < limit && !this.#stopping.signal.aborted) {
        const startedAt = performance.now()
        const chunk = Math.min(MAX_CHUNK, ratePerSecond, limit - taken)
        const read = await this.#redriveChunk(jobId, filter, afterId, chunk, actor)
        if (read.count === 0) break
        taken += read.count
        afterId = read.lastId
        // The rate limit: a chunk of n letters takes at least n / rate seconds.
        const pauseMs = (read.count / ratePerSecond) * 1000 - (performance.now() - startedAt)
        if (pauseMs > 0) await sleep(pauseMs, undefined, { signal: this.#stopping.signal }).catch(() => {})
      }
      const stopped = this.#stopping.signal.aborted && taken < limit
      await this.#finish(
        jobId,
        stopped ? 'failed' : 'done',
        stopped ? 'stopped by a shutdown; run it again to go on' : null,
      )
    } catch (error) {
      this.#options.logger.error({ err: error, job: jobId }, 'bulk redrive failed')
      // The message reaches clients: it names the kind of failure, never a host or SQL.
      const message =
        error instanceof FlowlineError ? error.message : 'failed on an internal error; see the admin log'
      await this.#finish(jobId, 'failed', message).catch(() => {})
    }
  }

  async #redriveChunk(
    jobId: string,
    filter: DeadLetterFilter,
    afterId: string,
    limit: number,
    actor: string,
  ) {
    return this.#options.storage.db.transaction().execute(async (trx) => {
      const letters = await this.#repository.lockNext(trx, filter, afterId, limit)
      // A stock movement under a movement_id the ledger decided stays new, as a single redrive refuses it.
      const decided = await decidedMovementLetters(
        trx,
        letters.filter((letter) => letter.source.topic === this.#options.stockTopic),
      )
      const records: OutgoingRecord[] = []
      const sentIds: string[] = []
      for (const letter of letters) {
        if (whyNotRedrivable(letter, this.#options)) continue
        const skip = decided.get(letter.id)
        if (skip) {
          this.#options.logger.warn({ job: jobId, deadLetter: letter.id }, `bulk redrive skipped ${skip}`)
          continue
        }
        try {
          records.push(redriveRecord(letter, this.#options))
          sentIds.push(letter.id)
        } catch {
          // Not text: it needs a corrected payload, one by one. It stays `new` and is counted as skipped.
        }
      }
      await this.#publish(records)
      await this.#repository.setStatus(trx, sentIds, 'redriven', actor)
      await trx
        .updateTable('dead_letter_redrives')
        .set((eb) => ({
          redriven: eb('redriven', '+', sentIds.length),
          skipped: eb('skipped', '+', letters.length - sentIds.length),
          updated_at: new Date(),
        }))
        .where('id', '=', jobId)
        .execute()
      this.#options.metrics.deadLettersActed.inc({ action: 'bulk_redrive' }, sentIds.length)
      return { count: letters.length, lastId: letters.at(-1)?.id ?? afterId }
    })
  }

  async #finish(jobId: string, state: 'done' | 'failed', error: string | null): Promise<void> {
    await this.#options.storage.db
      .updateTable('dead_letter_redrives')
      .set({ state, error, updated_at: new Date() })
      .where('id', '=', jobId)
      .execute()
  }
}
