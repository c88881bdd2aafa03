import type { IncomingRecord } from '../broker/broker.ts'
import type { Config } from '../config/config.ts'
import type { Rejection } from '../roles/saver/dead-letter.ts'
import type { Storage } from '../storage/storage.ts'

export type { Rejection }

/** One record checked and upcast to the newest version of its stream's payload, or why not. */
export type Decoded<Item> =
  | { readonly ok: true; readonly item: Item }
  | { readonly ok: false; readonly rejection: Rejection }

/** What a sink did with a batch. `refused` records go to the errors topic with their reason. */
export interface SinkResult {
  /** Items that changed the database. */
  readonly applied: number
  /** Items already applied before (a redelivery, a retried request): skipped by their idempotency key. */
  readonly duplicates: number
  /** Items the sink itself refused (a rule of the domain, a row PostgreSQL refuses). */
  readonly refused: ReadonlyArray<{ readonly source: IncomingRecord; readonly rejection: Rejection }>
}

/** Where a stream's items go. `write` is one transaction (or idempotent pieces) and may be retried whole. */
export interface StreamSink<Item> {
  write(items: readonly Item[], sources: readonly IncomingRecord[]): Promise<SinkResult>
}

/**
 * A stream: a topic, how its records are keyed, checked and upcast, and the sink that makes them
 * durable. The consume loop, dead letters, metrics and offsets-after-commit are the same for every
 * stream (`stream-consumer.ts`), so adding a stream is a definition and its tests.
 */
export interface StreamDefinition<Item> {
  /** The name used by `--streams`, metrics and logs. */
  readonly name: string
  /** One line for the README's streams table and `--help`. */
  readonly description: string
  /** The payload field that carries its version, and the versions this stream accepts (newest last). */
  readonly versions: readonly number[]
  /** The field records are keyed by: one key's records share a partition, so they keep their order. */
  readonly keyField: string
  /** What makes a redelivered or retried record harmless. */
  readonly idempotencyKey: string
  topic(config: Config): string
  groupId(config: Config): string
  /**
   * Checks one parsed payload and upcasts it to the newest version. It must be pure CPU work: the
   * loop runs it on the next batch while the previous one is written. `record` gives the log's
   * timestamp, so a redelivery days later is judged as it was judged then.
   */
  decode(payload: unknown, record: IncomingRecord): Decoded<Item>
  createSink(storage: Storage, config: Config): StreamSink<Item>
  /** The most records per batch; a stream with heavier rows may ask for less than `--batch-size`. */
  readonly maxBatch?: number
}

/** A definition whatever its item type, as registries and roles hold them. */
// biome-ignore lint/suspicious/noExplicitAny: a registry holds definitions of different item types.
export type AnyStreamDefinition = StreamDefinition<any>
