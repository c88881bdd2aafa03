import type { Static, TObject } from '@sinclair/typebox'
import type { OutgoingRecord } from '../broker/broker.ts'
import type { Logger } from '../observability/logger.ts'
import type { Storage } from '../storage/storage.ts'

/** What a run counts; an import fills them all, other pipelines what applies. */
export interface RunCounts {
  read: number
  valid: number
  rejected: number
  loaded: number
  duplicates: number
}

/** How a failed run is tried again: pg-boss's retry options, declared by each pipeline. */
export interface RetryPolicy {
  /** Retries after the first attempt (0: fail at once). */
  readonly limit: number
  /** Seconds before the first retry. */
  readonly delaySeconds: number
  /** Doubles the delay at each retry. */
  readonly backoff: boolean
}

/** How a pipeline publishes to the streams (the inventory import): the broker and its topics. */
export interface RunPublisher {
  readonly topics: { readonly products: string; readonly stock: string }
  /** Resolves once every record is durable (Kafka: acks=all). */
  publish(records: readonly OutgoingRecord[]): Promise<void>
}

/** What a step gets: the database, its parameters, and how to report and to notice a cancel. */
export interface RunContext<P> {
  readonly runId: string
  readonly attempt: number
  readonly params: P
  readonly storage: Storage
  readonly logger: Logger
  /** Aborted when the run is cancelled (or the worker stops): steps check it between batches. */
  readonly signal: AbortSignal
  readonly counts: RunCounts
  /** Progress in the pipeline's own unit (rows, bytes, days); `total` undefined while unknown. */
  progress(done: number, total?: number): void
  /** A line of the run's log, kept with the run and shown by `flowline etl logs`. */
  log(message: string, level?: 'info' | 'warn' | 'error'): void
  /** Keeps a rejected input row with its line number and reason. */
  reject(line: number, reason: string, raw: string): void
  /** The directory file sources are read from (ETL_IMPORT_DIR). */
  readonly importDir: string
  /** Present when the worker has a broker: pipelines that feed the streams publish through it. */
  readonly publisher?: RunPublisher
}

export interface Step<P> {
  readonly name: string
  run(context: RunContext<P>): Promise<void>
}

/**
 * A pipeline is one file exporting one of these: its validated parameters, its steps (run in
 * order, each may read what an earlier one left in the context's storage), its retry policy and
 * whether runs may overlap.
 */
export interface Pipeline<S extends TObject = TObject> {
  readonly name: string
  readonly description: string
  /** TypeBox schema of the parameters; `--param k=v` strings are coerced to it. */
  readonly params: S
  readonly steps: readonly Step<Static<S>>[]
  readonly retry: RetryPolicy
  /** Runs of this pipeline that may run at once across all workers (1 unless it is safe). */
  readonly concurrency: 1 | 'unlimited'
  /** The unit of `progress`, shown beside it. */
  readonly progressUnit: string
  /** Runs after the steps whatever their outcome (success, failure, cancel): drop temporary tables. */
  readonly cleanup?: (context: RunContext<Static<S>>) => Promise<void>
  /** Seconds a single attempt may run before pg-boss expires it (and retries it). */
  readonly timeoutSeconds: number
}

/** Declares a pipeline with its parameter type inferred from the schema. */
export function definePipeline<S extends TObject>(pipeline: Pipeline<S>): Pipeline<S> {
  return pipeline
}
