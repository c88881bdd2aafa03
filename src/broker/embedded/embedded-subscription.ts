import { BrokerUnavailableError } from '../../errors.ts'
import type { IncomingRecord, PartitionLag, RecordBatch, SubscribeOptions, Subscription } from '../broker.ts'
import type { GroupCoordinator, GroupMember } from './group-coordinator.ts'
import { partitionKey } from './group-offsets.ts'
import type { PartitionLog, ReadCursor } from './partition-log.ts'
import { WakeSignal } from './wake-signal.ts'

interface OwnedPartition {
  readonly log: PartitionLog
  /** Offset of the next record to hand out; in memory only, like a Kafka consumer's position. */
  position: bigint
  cursor: ReadCursor | undefined
  /** Set while `startAt` is asked where to begin; nothing is read before it settles. */
  starting: Promise<void> | undefined
  readonly stopListening: () => void
}

export interface EmbeddedSubscriptionContext {
  readonly coordinator: GroupCoordinator
  readonly logOf: (topic: string, partition: number) => PartitionLog
  readonly isOpen: () => boolean
  readonly onClose: () => void
}

/**
 * A consumer-group member on the embedded log. It reads the partitions the group coordinator
 * deals it, from the group's committed offset, and is woken by appends instead of polling.
 */
export class EmbeddedSubscription implements Subscription, GroupMember {
  readonly topics: readonly string[]
  readonly #options: SubscribeOptions
  readonly #context: EmbeddedSubscriptionContext
  readonly #owned = new Map<string, OwnedPartition>()
  readonly #signal = new WakeSignal()
  /**
   * True while records of owned partitions are being read, wait in a partial batch, or sit in a
   * batch handed out and not yet followed by the next request: then no partition may change hands.
   */
  #holding = false
  #assignmentChanged = false
  #syncing = false
  #closed = false
  #failure: unknown
  #iterating = false
  #turn = 0

  constructor(options: SubscribeOptions, context: EmbeddedSubscriptionContext) {
    this.topics = [...options.topics]
    this.#options = options
    this.#context = context
  }

  assignmentChanged(): void {
    if (this.#closed) return
    this.#assignmentChanged = true
    if (!this.#holding) this.#sync()
    this.#signal.notify()
  }

  /** Gives up partitions dealt to another member and takes the free ones dealt to this one. */
  #sync(): void {
    if (this.#syncing) return
    this.#syncing = true
    try {
      // Releasing notifies the group, which can deal again and set the flag while we loop.
      while (this.#assignmentChanged && !this.#closed) {
        this.#assignmentChanged = false
        const { coordinator } = this.#context
        const target = coordinator.targetOf(this)
        for (const [key, owned] of this.#owned) {
          if (target.has(key)) continue
          owned.stopListening()
          this.#owned.delete(key)
          coordinator.release(this, key)
        }
        for (const key of target) {
          if (!this.#owned.has(key) && coordinator.tryAcquire(this, key)) this.#take(key)
        }
      }
    } finally {
      this.#syncing = false
    }
  }

  #take(key: string): void {
    const slash = key.lastIndexOf('/')
    const topic = key.slice(0, slash)
    const partition = Number(key.slice(slash + 1))
    const log = this.#context.logOf(topic, partition)
    const owned: OwnedPartition = {
      log,
      position: this.#startOf(log),
      cursor: undefined,
      starting: undefined,
      stopListening: log.onAppend(() => this.#signal.notify()),
    }
    const { startAt } = this.#options
    if (startAt) {
      const committed = this.#context.coordinator.offsets.committed(topic, partition)
      owned.starting = startAt(topic, partition, committed).then(
        (offset) => {
          owned.starting = undefined
          if (offset !== undefined) owned.position = this.#startOf(log, offset)
        },
        (error: unknown) => {
          // Reading from the committed offset instead would break the caller's checkpoint: stop.
          owned.starting = undefined
          this.#failure = error
          this.#signal.notify()
        },
      )
    }
    this.#owned.set(key, owned)
  }

  /** The offset to start from (the committed one by default), kept within what the log still holds. */
  #startOf(log: PartitionLog, wanted?: bigint): bigint {
    const offset =
      wanted ?? this.#context.coordinator.offsets.committed(log.topic, log.partition) ?? log.startOffset
    if (offset < log.startOffset) return log.startOffset
    if (offset > log.endOffset) return log.endOffset
    return offset
  }

  async *[Symbol.asyncIterator](): AsyncIterator<RecordBatch> {
    if (this.#iterating) throw new Error('An embedded subscription can be iterated only once')
    this.#iterating = true
    try {
      while (!this.#closed) {
        // Asking for the next batch means the previous one is done with: partitions may move now.
        this.#holding = false
        this.#sync()
        const records = await this.#collect()
        if (records === undefined) return
        yield this.#batchOf(records)
      }
    } finally {
      this.#holding = false
      this.#sync()
    }
  }

  /** Gathers up to maxBatch records; a partial batch waits at most maxWaitMs after its first record. */
  async #collect(): Promise<IncomingRecord[] | undefined> {
    const { maxBatch, maxWaitMs } = this.#options
    const records: IncomingRecord[] = []
    let firstAt = 0
    while (!this.#closed) {
      this.#signal.reset()
      this.#holding = true
      await this.#readInto(records, maxBatch)
      if (this.#closed) break
      if (records.length >= maxBatch) return records
      if (records.length > 0) {
        firstAt ||= Date.now()
        const waited = Date.now() - firstAt
        // A new assignment is waiting for this member to let go: hand out what it has now.
        if (waited >= maxWaitMs || this.#assignmentChanged) return records
        await this.#signal.wait(maxWaitMs - waited)
      } else {
        this.#holding = false
        if (this.#assignmentChanged) this.#sync()
        await this.#signal.wait()
      }
    }
    return undefined
  }

  async #readInto(records: IncomingRecord[], maxBatch: number): Promise<void> {
    const owned = [...this.#owned.values()]
    // Start at a different partition each time so that a busy one cannot starve the others.
    this.#turn = (this.#turn + 1) % Math.max(1, owned.length)
    for (let i = 0; i < owned.length && records.length < maxBatch; i++) {
      const partition = owned[(this.#turn + i) % owned.length] as OwnedPartition
      if (partition.starting) await partition.starting
      if (this.#failure) throw this.#failure
      // Once closed, the broker may be closing the files: start no read on them.
      if (this.#closed) return
      if (partition.position >= partition.log.endOffset) continue
      const read = await partition.log.read(partition.position, maxBatch - records.length, partition.cursor)
      partition.position = read.next
      partition.cursor = read.cursor
      for (const record of read.records) records.push(record)
    }
  }

  #batchOf(records: IncomingRecord[]): RecordBatch {
    const next = new Map<string, bigint>()
    for (const record of records) next.set(partitionKey(record.topic, record.partition), record.offset + 1n)
    return {
      records,
      commit: async () => {
        if (!this.#context.isOpen())
          throw new BrokerUnavailableError('The embedded log is closed; commit refused')
        try {
          await this.#context.coordinator.offsets.commit(next)
        } catch (error) {
          throw new BrokerUnavailableError(`Could not store committed offsets: ${(error as Error).message}`, {
            cause: error,
          })
        }
      },
    }
  }

  async lag(): Promise<PartitionLag[]> {
    return [...this.#owned.values()].map(({ log }) => ({
      topic: log.topic,
      partition: log.partition,
      lag: Number(log.endOffset - this.#startOf(log)),
    }))
  }

  /** Leaves the group (its partitions are dealt to the others) and ends the iteration. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    for (const owned of this.#owned.values()) owned.stopListening()
    this.#owned.clear()
    this.#context.coordinator.leave(this)
    this.#context.onClose()
    this.#signal.notify()
  }
}
