/** A record to publish. The key decides the partition, so records with one key keep their order. */
export interface OutgoingRecord {
  readonly topic: string
  readonly key: string
  readonly value: string
  readonly headers?: Readonly<Record<string, string>>
}

/** A record read from a topic, with the coordinates a dead-letter entry or a log line needs. */
export interface IncomingRecord {
  readonly topic: string
  readonly partition: number
  readonly offset: bigint
  readonly key: string | null
  readonly value: Buffer
  readonly timestampMs: number
  /** The record's headers (W3C `traceparent` among them; a redriven dead letter names its origin there), absent when it has none. */
  readonly headers?: Readonly<Record<string, string>>
}

/** Records handed out together. `commit` stores, for each partition, the offset after the last record. */
export interface RecordBatch {
  readonly records: readonly IncomingRecord[]
  commit(): Promise<void>
}

export interface TopicSpec {
  readonly name: string
  readonly partitions: number
  readonly replicationFactor: number
}

export interface SubscribeOptions {
  readonly groupId: string
  readonly topics: readonly string[]
  /** Most records in one batch. */
  readonly maxBatch: number
  /** Longest a partial batch waits for more records, in ms. */
  readonly maxWaitMs: number
  /**
   * Where to start reading a partition each time it is assigned to this member, in place of the
   * group's committed offset. A consumer that keeps its checkpoint in its own database, in the same
   * transaction as its state, answers from there; `undefined` keeps the committed offset.
   * `committed` is the group's committed offset of the partition (undefined when it has none),
   * for a caller that rides on another group's consumer and must start at the lower of the two.
   */
  readonly startAt?: (
    topic: string,
    partition: number,
    committed: bigint | undefined,
  ) => Promise<bigint | undefined>
  /**
   * Told each time the member lost the broker mid-stream (it stays up and rejoins the group after
   * `retryInMs`, reading again from the committed offsets). Unused by the embedded log.
   */
  readonly onRejoin?: (error: unknown, retryInMs: number) => void
}

export interface PartitionLag {
  readonly topic: string
  readonly partition: number
  readonly lag: number
}

/**
 * A consumer-group member. Batches come in offset order per partition; records of a batch that
 * is never committed are delivered again, to this member or to another after a rebalance.
 */
export interface Subscription extends AsyncIterable<RecordBatch> {
  lag(): Promise<PartitionLag[]>
  close(): Promise<void>
}

/** How far a consumer group is behind on a topic, summed over its partitions. */
export interface GroupBacklog {
  /** Records appended but not yet committed by the group. */
  readonly behind: number
  /** Records the group has committed since the log began: its progress, to derive a drain rate. */
  readonly committed: number
}

/**
 * The message log the roles talk to. Roles import this interface, never an adapter: only the
 * composition root (`src/runtime/`) knows whether Kafka or the embedded log runs.
 */
export interface Broker {
  readonly name: string
  /** Creates the topics that do not exist yet. */
  ensureTopics(topics: readonly TopicSpec[]): Promise<void>
  /** Resolves once every record is durable (Kafka: acks=all; embedded: fsync). */
  publish(records: readonly OutgoingRecord[]): Promise<void>
  subscribe(options: SubscribeOptions): Promise<Subscription>
  /**
   * The backlog of a group, read in process. Only the embedded log has it: there ingest and the
   * saver share one process, and ingest refuses new records when the saver falls too far behind.
   */
  groupBacklog?(groupId: string, topic: string): Promise<GroupBacklog>
  /** True when the broker answers a metadata request. */
  isReachable(): Promise<boolean>
  /**
   * Calls `listener` each time the publishing client fails to open a connection to a broker: the
   * first sign of an outage, seconds before a publish gives up. Only Kafka has it (the embedded
   * log is in-process).
   */
  onUnreachable?(listener: () => void): void
  close(): Promise<void>
}
