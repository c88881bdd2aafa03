import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { BrokerUnavailableError } from '../../errors.ts'
import type {
  Broker,
  GroupBacklog,
  OutgoingRecord,
  SubscribeOptions,
  Subscription,
  TopicSpec,
} from '../broker.ts'
import { partitionForKey } from '../key-partitioner.ts'
import { DirectoryLock } from './directory-lock.ts'
import { EmbeddedSubscription } from './embedded-subscription.ts'
import { GroupCoordinator } from './group-coordinator.ts'
import { GroupOffsets } from './group-offsets.ts'
import type { PartitionLog } from './partition-log.ts'
import type { RecordToStore } from './record-codec.ts'
import { TopicCatalog } from './topic-catalog.ts'

export interface EmbeddedBrokerOptions {
  /** Where the log lives; one process owns it at a time. */
  readonly directory: string
  /** Per partition; sealed segments are deleted, oldest first, beyond it. Default 1 GiB. */
  readonly retentionBytes?: number
  /** Sealed segments whose newest record is older are deleted. Default 7 days, as Kafka. */
  readonly retentionMs?: number
  /** Size at which a segment is sealed and a new one started. Default 64 MiB. */
  readonly segmentBytes?: number
  /** How often retention runs besides on segment roll. Default min(retentionMs, 60 s). */
  readonly retentionCheckMs?: number
}

const DEFAULTS = {
  segmentBytes: 64 * 1024 * 1024,
  retentionBytes: 1024 * 1024 * 1024,
  retentionMs: 7 * 24 * 60 * 60 * 1000,
}

/** Housekeeping that runs every few milliseconds would be a busy loop, not retention. */
const MIN_RETENTION_CHECK_MS = 100

/** Counters summed over all partitions, for tests and the benchmark. */
export interface EmbeddedBrokerStats {
  readonly records: number
  readonly writes: number
  readonly syncs: number
  /** Bytes of torn frames cut off the segment tails when the log was opened. */
  readonly truncatedBytes: number
}

/**
 * A single-process stand-in for Kafka: a durable, partitioned, file-backed log with consumer
 * groups, so that `npm start` runs the whole pipeline without a Kafka cluster. A publish
 * resolves after fsync; committed offsets survive restarts; uncommitted records are redelivered.
 */
export class EmbeddedBroker implements Broker {
  readonly name = 'embedded'
  readonly #lock: DirectoryLock
  readonly #topics: TopicCatalog
  readonly #groupsDirectory: string
  readonly #groups = new Map<string, Promise<GroupCoordinator>>()
  readonly #subscriptions = new Set<EmbeddedSubscription>()
  readonly #retentionTimer: NodeJS.Timeout
  #open = true

  private constructor(
    lock: DirectoryLock,
    topics: TopicCatalog,
    directory: string,
    options: EmbeddedBrokerOptions,
  ) {
    this.#lock = lock
    this.#topics = topics
    this.#groupsDirectory = join(directory, 'groups')
    const retentionMs = options.retentionMs ?? DEFAULTS.retentionMs
    this.#retentionTimer = setInterval(
      () => void this.enforceRetention().catch(() => {}),
      Math.max(MIN_RETENTION_CHECK_MS, options.retentionCheckMs ?? Math.min(retentionMs, 60_000)),
    )
    // Retention is housekeeping: it must not keep a process alive that has nothing else to do.
    this.#retentionTimer.unref()
  }

  static async open(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
    for (const name of ['retentionBytes', 'retentionMs', 'segmentBytes'] as const) {
      const value = options[name]
      if (value !== undefined && !(value > 0))
        throw new RangeError(`${name} must be a positive number, not ${value}`)
    }
    const lock = await DirectoryLock.acquire(options.directory)
    try {
      await mkdir(join(options.directory, 'groups'), { recursive: true })
      const topics = await TopicCatalog.open(options.directory, {
        segmentBytes: options.segmentBytes ?? DEFAULTS.segmentBytes,
        retentionBytes: options.retentionBytes ?? DEFAULTS.retentionBytes,
        retentionMs: options.retentionMs ?? DEFAULTS.retentionMs,
      })
      return new EmbeddedBroker(lock, topics, options.directory, options)
    } catch (error) {
      await lock.release()
      throw error
    }
  }

  async ensureTopics(topics: readonly TopicSpec[]): Promise<void> {
    this.#assertOpen()
    await this.#topics.ensure(topics)
  }

  /**
   * Appends each record to the partition its key hashes to. The records are queued synchronously,
   * before any await, so records of one key keep the order of the calls as well as within a call.
   */
  async publish(records: readonly OutgoingRecord[]): Promise<void> {
    this.#assertOpen()
    if (records.length === 0) return
    const timestampMs = Date.now()
    const byPartition = new Map<PartitionLog, RecordToStore[]>()
    for (const record of records) {
      const log = this.#topics.log(
        record.topic,
        partitionForKey(record.key, this.#topics.partitionsOf(record.topic)),
      )
      const list = byPartition.get(log) ?? []
      if (list.length === 0) byPartition.set(log, list)
      list.push({ key: record.key, value: record.value, headers: record.headers, timestampMs })
    }
    try {
      await Promise.all([...byPartition].map(([log, list]) => log.append(list)))
    } catch (error) {
      throw new BrokerUnavailableError(
        `The embedded log could not store the records: ${(error as Error).message}`,
        {
          cause: error,
        },
      )
    }
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    this.#assertOpen()
    for (const topic of options.topics) this.#topics.partitionsOf(topic)
    const coordinator = await this.#coordinatorOf(options.groupId)
    this.#assertOpen()
    const subscription = new EmbeddedSubscription(options, {
      coordinator,
      logOf: (topic, partition) => this.#topics.log(topic, partition),
      isOpen: () => this.#open,
      onClose: () => this.#subscriptions.delete(subscription),
    })
    this.#subscriptions.add(subscription)
    coordinator.join(subscription)
    return subscription
  }

  #coordinatorOf(groupId: string): Promise<GroupCoordinator> {
    let coordinator = this.#groups.get(groupId)
    if (!coordinator) {
      coordinator = GroupOffsets.load(this.#groupsDirectory, groupId).then(
        (offsets) => new GroupCoordinator(offsets, (topic) => this.#topics.partitionsOf(topic)),
      )
      // A failed load (an unreadable file) must not stick: the next subscribe tries again.
      coordinator.catch(() => this.#groups.delete(groupId))
      this.#groups.set(groupId, coordinator)
    }
    return coordinator
  }

  async groupBacklog(groupId: string, topic: string): Promise<GroupBacklog> {
    this.#assertOpen()
    const { offsets } = await this.#coordinatorOf(groupId)
    let behind = 0
    let committed = 0
    for (let partition = 0; partition < this.#topics.partitionsOf(topic); partition++) {
      const log = this.#topics.log(topic, partition)
      const at = offsets.committed(topic, partition) ?? log.startOffset
      behind += Number(log.endOffset - (at < log.startOffset ? log.startOffset : at))
      committed += Number(at)
    }
    return { behind, committed }
  }

  /** Applies retention to every partition now; returns how many segments were deleted. */
  async enforceRetention(nowMs = Date.now()): Promise<number> {
    if (!this.#open) return 0
    const removed = await Promise.all(this.#topics.logs().map((log) => log.enforceRetention(nowMs)))
    return removed.reduce((sum, count) => sum + count, 0)
  }

  stats(): EmbeddedBrokerStats {
    let records = 0
    let writes = 0
    let syncs = 0
    let truncatedBytes = 0
    for (const log of this.#topics.logs()) {
      records += log.stats.records
      writes += log.stats.writes
      syncs += log.stats.syncs
      truncatedBytes += log.truncatedBytes
    }
    return { records, writes, syncs, truncatedBytes }
  }

  async isReachable(): Promise<boolean> {
    return this.#open
  }

  /** Ends the subscriptions, lets queued publishes and commits finish, closes the files, unlocks. */
  async close(): Promise<void> {
    if (!this.#open) return
    this.#open = false
    clearInterval(this.#retentionTimer)
    await Promise.allSettled([...this.#subscriptions].map((subscription) => subscription.close()))
    await this.#topics.close()
    const groups = await Promise.allSettled(this.#groups.values())
    await Promise.allSettled(
      groups.map((group) => (group.status === 'fulfilled' ? group.value.offsets.settle() : undefined)),
    )
    await this.#lock.release()
  }

  #assertOpen(): void {
    if (!this.#open) throw new BrokerUnavailableError('The embedded log is closed')
  }
}
