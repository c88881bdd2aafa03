import type { Transaction } from 'kysely'
import type { RecordBatch } from '../../broker/broker.ts'
import { firstWindowEnd, type WindowSpec } from '../../domain/window-spec.ts'
import type { Logger } from '../../observability/logger.ts'
import type { Metrics } from '../../observability/metrics.ts'
import type { Schema } from '../../storage/schema.ts'
import { decodeRecord } from '../saver/measurement-saver.ts'
import { AlertEvaluator } from './alert-evaluator.ts'
import type { AlertTransition } from './alert-rules.ts'
import type { AlertsRepository } from './alerts-repository.ts'
import type { OutboxPublisher } from './outbox-publisher.ts'
import { ReadingColumns } from './reading-columns.ts'
import { Watermarks } from './watermarks.ts'
import type { Checkpoint, WindowsRepository } from './windows-repository.ts'

export interface AggregatorOptions {
  readonly windows: WindowsRepository
  readonly alerts: AlertsRepository
  readonly outbox: OutboxPublisher
  readonly logger: Logger
  readonly metrics: Metrics
  readonly specs: readonly WindowSpec[]
  readonly allowedLatenessMs: number
  readonly idleTimeoutMs: number
  readonly futureToleranceMs: number
  readonly windowsTopic: string
  readonly alertsTopic: string
  readonly topic: string
}

const LATENESS_BUCKETS: ReadonlyArray<readonly [number, string]> = [
  [60_000, 'under_1m'],
  [3_600_000, 'under_1h'],
  [86_400_000, 'under_1d'],
]

function latenessBucket(behindMs: number): string {
  return LATENESS_BUCKETS.find(([limit]) => behindMs < limit)?.[1] ?? 'over_1d'
}

/**
 * The window aggregator of one group member. Each batch is one transaction: lock the checkpoint
 * of its partitions, drop records below it (already applied), merge the readings into their
 * windows, close the windows the watermark passed, step the alerts, move the checkpoint. Events
 * go to the outbox in that transaction and are published after it commits. `tick` closes
 * windows when no record comes, so the watermark can follow the clock.
 */
export class WindowAggregator {
  readonly #options: AggregatorOptions
  readonly #watermarks: Watermarks
  readonly #alertEvaluator: AlertEvaluator
  #serial: Promise<unknown> = Promise.resolve()

  constructor(options: AggregatorOptions) {
    this.#options = options
    this.#watermarks = new Watermarks(options.allowedLatenessMs, options.idleTimeoutMs)
    this.#alertEvaluator = new AlertEvaluator(options.alerts, options.specs[0]?.label)
  }

  /**
   * The broker asks where to start a partition it assigns: after the checkpoint, not at the
   * group's committed offset. The partition's stored event time seeds its watermark, so its open
   * windows close even if it never sends another record.
   */
  startAt = async (_topic: string, partition: number): Promise<bigint | undefined> => {
    const checkpoint = await this.#storedCheckpoint(partition)
    this.#watermarks.observe(partition, checkpoint?.newestEventMs, Date.now())
    return checkpoint && checkpoint.nextOffset >= 0n ? checkpoint.nextOffset : undefined
  }

  /**
   * `startAt` for an aggregator riding on the saver's consumer (`--inline-aggregator`): the lower
   * of its checkpoint and the saver group's committed offset, so neither skips a record. The
   * saver skips what it stored before (by `(sensor_id, ts)`), the aggregator what it merged
   * (below its checkpoint). Without a checkpoint it starts at the beginning of the log, so its
   * windows cover every stored measurement.
   */
  startAtOrBefore = async (
    topic: string,
    partition: number,
    committed: bigint | undefined,
  ): Promise<bigint | undefined> => {
    const checkpoint = (await this.startAt(topic, partition)) ?? 0n
    return committed !== undefined && committed < checkpoint ? committed : checkpoint
  }

  /** A busy or restarting PostgreSQL gets a few tries (about 15 s) before the assignment fails. */
  async #storedCheckpoint(partition: number) {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#options.windows.storedCheckpoint(partition)
      } catch (error) {
        if (attempt >= 5) throw error
        this.#options.logger.warn(
          { err: error, partition, attempt },
          'reading the checkpoint failed; retrying',
        )
        await new Promise((resolve) => setTimeout(resolve, 500 * 2 ** Math.min(attempt, 3)))
      }
    }
  }

  /** Parsing and validation only, run while the batch before is written. */
  prepare = (batch: RecordBatch): ReadingColumns => {
    this.noteRead(batch)
    const records = new ReadingColumns(batch.records.length)
    for (const record of batch.records) {
      const decoded = decodeRecord(record, this.#options.futureToleranceMs)
      const partition = record.partition
      const offset = Number(record.offset)
      if (!decoded.ok) records.pushSkipped(partition, offset, decoded.rejection.field ?? 'payload')
      else {
        const { sensorId, temperature, timestampMs } = decoded.measurement
        records.pushReading(sensorId, temperature, timestampMs, partition, offset)
      }
    }
    return records
  }

  handle = (_batch: RecordBatch, records: ReadingColumns): Promise<void> => this.apply(records)

  /**
   * Merges records, in log order per partition, in one transaction, then publishes the events
   * it queued. A record at or below what is already applied is skipped, so a list may repeat a
   * range (read again after a rebalance) without counting it twice.
   */
  async apply(records: ReadingColumns): Promise<void> {
    const queued = await this.#inTurn(() => this.#apply(records)).catch((error: unknown) => {
      // Retried: until then its partitions are busy, not idle.
      this.#touch(records.partitions.subarray(0, records.length))
      throw error
    })
    // Most batches queue no event: skip the outbox's transaction then (the tick drains leftovers).
    if (queued) await this.#options.outbox.publishPending()
  }

  /** A batch was read: its partitions are not idle, though it is merged later. */
  noteRead(batch: RecordBatch): void {
    this.#touch(batch.records.map((record) => record.partition))
  }

  #touch(partitions: ArrayLike<number>): void {
    const nowMs = Date.now()
    let last = -1
    for (let i = 0; i < partitions.length; i++) {
      const partition = partitions[i] as number
      if (partition !== last) this.#watermarks.touch(partition, nowMs)
      last = partition
    }
  }

  /** Closes what the watermark passed when no batch comes; publishes what a crash left in the outbox. */
  tick = async (): Promise<void> => {
    const { transitions } = await this.#inTurn(() =>
      this.#options.windows.db.transaction().execute((trx) => this.#closeDue(trx, Date.now(), true)),
    )
    this.#countTransitions(transitions)
    await this.#options.outbox.publishPending()
  }

  /** A member's batches and ticks run one at a time: they share its watermark. */
  #inTurn<T>(work: () => Promise<T>): Promise<T> {
    const turn = this.#serial.then(work, work)
    this.#serial = turn.catch(() => {})
    return turn
  }

  /** Applies a batch in one transaction; true when it queued events in the outbox. */
  async #apply(records: ReadingColumns): Promise<boolean> {
    const { metrics, windows } = this.#options
    const partitions = new Set<number>()
    for (let i = 0; i < records.length; i++) partitions.add(records.partitions[i] as number)
    const nowMs = Date.now()
    const outcome = await windows.db.transaction().execute(async (trx) => {
      await windows.useBatchMemory(trx)
      const checkpoints = await windows.lockCheckpoints(trx, [...partitions])
      const { readings, skipped, stale, next } = freshOf(records, checkpoints)
      const late = this.#lateOf(readings)
      // Alerts first: a clean sensor's last evaluated time is read from its windows before the merge.
      const alerted = await this.#alertEvaluator.onReadings(trx, readings, this.#options.alertsTopic)
      const merged = await windows.mergeReadings(
        trx,
        readings,
        this.#options.specs,
        this.#options.windowsTopic,
      )
      for (const [partition, entry] of next) this.#watermarks.observe(partition, entry.newestEventMs, nowMs)
      const closing = await this.#closeDue(trx, nowMs, false)
      if (next.size > 0) await windows.saveCheckpoints(trx, next)
      const transitions = [...alerted, ...closing.transitions]
      const queued = merged.corrections > 0 || closing.closed > 0 || transitions.length > 0
      return { merged, readings: readings.length, skipped, stale, late, transitions, queued }
    })
    metrics.recordsConsumed.inc({ group: 'aggregate', topic: this.#options.topic }, records.length)
    metrics.aggregatedRecords.inc(outcome.merged.merged)
    metrics.aggregateDuplicates.inc(outcome.readings - outcome.merged.merged)
    metrics.windowCorrections.inc(outcome.merged.corrections)
    metrics.staleRecords.inc(outcome.stale)
    for (const reason of outcome.skipped) metrics.aggregateSkipped.inc({ reason })
    for (const bucket of outcome.late) metrics.lateRecords.inc({ lateness: bucket })
    this.#countTransitions(outcome.transitions)
    return outcome.queued
  }

  #countTransitions(transitions: readonly AlertTransition[]): void {
    for (const transition of transitions)
      this.#options.metrics.alertTransitions.inc({ state: transition.state })
  }

  /** Readings whose earliest window had already closed, by how far behind the watermark they were. */
  #lateOf(readings: ReadingColumns): string[] {
    const watermark = this.#watermarks.current
    const buckets: string[] = []
    if (watermark === Number.NEGATIVE_INFINITY) return buckets
    for (let i = 0; i < readings.length; i++) {
      const timestampMs = readings.timestamps[i] as number
      // A window ends after every reading in it: one at or past the watermark is in none closed.
      if (timestampMs >= watermark) continue
      let end = Number.POSITIVE_INFINITY
      for (const spec of this.#options.specs) end = Math.min(end, firstWindowEnd(spec, timestampMs))
      if (end <= watermark) buckets.push(latenessBucket(watermark - timestampMs))
    }
    return buckets
  }

  /**
   * Closes the windows the watermark passed; returns how many, and the alert transitions their
   * means caused. `countOpen` also refreshes the open-windows gauge.
   */
  async #closeDue(
    trx: Transaction<Schema>,
    nowMs: number,
    countOpen: boolean,
  ): Promise<{ closed: number; transitions: AlertTransition[] }> {
    const partitions = this.#watermarks.partitions
    if (partitions.length === 0) return { closed: 0, transitions: [] }
    const watermark = this.#watermarks.advance(nowMs)
    const { closed, stillOpen } = await this.#options.windows.closeWindows(
      trx,
      partitions,
      watermark,
      this.#options.windowsTopic,
      countOpen,
    )
    const transitions = await this.#alertEvaluator.onClosedWindows(trx, closed, this.#options.alertsTopic)
    const { metrics, topic } = this.#options
    for (const window of closed) metrics.windowsClosed.inc({ size: window.size })
    if (stillOpen !== undefined) metrics.openWindows.set(stillOpen)
    for (const partition of partitions)
      metrics.watermarkLag.set({ topic, partition }, Math.max(0, (nowMs - watermark) / 1000))
    return { closed: closed.length, transitions }
  }
}

/** A partition's part of a merge: the offset to resume after it, and its newest event time. */
type Advance = { nextOffset: bigint; newestEventMs: number | undefined }

/**
 * The records of a merge not applied yet, in log order per partition: a record below the stored
 * checkpoint was applied by an earlier transaction (a redelivery, or another member got there
 * first), one at or below an earlier record of the list was read twice (after a rebalance); both
 * are dropped and counted. Returns the readings, the reasons of the skipped records, and how far
 * each partition advances.
 */
function freshOf(records: ReadingColumns, checkpoints: ReadonlyMap<number, Checkpoint>) {
  // The records themselves while each so far is a reading to merge (the common list); copied
  // from the first one dropped on.
  let readings: ReadingColumns | undefined
  const skipped: string[] = []
  // Per partition: the stored next offset, the last offset taken, the newest event time.
  const taken = new Map<number, { stored: number; last: number; newestEventMs: number | undefined }>()
  let stale = 0
  for (let i = 0; i < records.length; i++) {
    const partition = records.partitions[i] as number
    const offset = records.offsets[i] as number
    let entry = taken.get(partition)
    if (entry === undefined) {
      const stored = checkpoints.get(partition)
      entry = { stored: Number(stored?.nextOffset ?? -1n), last: -1, newestEventMs: stored?.newestEventMs }
      taken.set(partition, entry)
    }
    const isStale = offset < entry.stored || offset <= entry.last
    const reason = isStale || records.skipped.size === 0 ? undefined : records.skipped.get(i)
    if ((isStale || reason !== undefined) && readings === undefined) readings = firstOf(records, i)
    if (isStale) {
      stale += 1
      continue
    }
    entry.last = offset
    if (reason !== undefined) skipped.push(reason)
    else {
      readings?.pushFrom(records, i)
      const timestampMs = records.timestamps[i] as number
      if (entry.newestEventMs === undefined || timestampMs > entry.newestEventMs)
        entry.newestEventMs = timestampMs
    }
  }
  const next = new Map<number, Advance>()
  for (const [partition, { last, newestEventMs }] of taken)
    if (last >= 0) next.set(partition, { nextOffset: BigInt(last) + 1n, newestEventMs })
  return { readings: readings ?? records, skipped, stale, next }
}

/** The first `count` records of `records` in a list of their own, with room for the rest. */
function firstOf(records: ReadingColumns, count: number): ReadingColumns {
  const copy = new ReadingColumns(records.length)
  for (let i = 0; i < count; i++) copy.pushFrom(records, i)
  return copy
}
