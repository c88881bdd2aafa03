import { mkdir, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { IncomingRecord } from '../broker.ts'
import { syncDirectory } from './durable-files.ts'
import { CorruptLogError } from './embedded-errors.ts'
import { encodeRecord, type RecordToStore } from './record-codec.ts'
import { SegmentFile, segmentFileName } from './segment-file.ts'

export interface PartitionLogOptions {
  /** A segment that reached this size is sealed and a new one started. */
  readonly segmentBytes: number
  /** Sealed segments are deleted, oldest first, while the partition is larger than this. */
  readonly retentionBytes: number
  /** Sealed segments whose newest record is older than this are deleted. */
  readonly retentionMs: number
}

/** Counters for tests and benchmarks: how well appends were grouped. */
export interface PartitionLogStats {
  records: number
  writes: number
  syncs: number
}

/** Where a read stopped, so that the next read continues without an index lookup. */
export interface ReadCursor {
  readonly offset: bigint
  readonly segment: SegmentFile
  readonly position: number
}

export interface PartitionRead {
  readonly records: IncomingRecord[]
  /** Offset of the next record to read (after retention, possibly past `from` + records). */
  readonly next: bigint
  readonly cursor: ReadCursor | undefined
}

interface PendingAppend {
  readonly records: readonly RecordToStore[]
  readonly resolve: () => void
  readonly reject: (error: unknown) => void
}

const SEGMENT_NAME = /^\d{20}\.log$/

/**
 * The log of one topic partition: a directory of segment files with consecutive offsets. Appends
 * are group-committed: whatever arrives while a write+fsync is in progress goes into the next one,
 * so under load there is one write and one fsync per group, not per publish call.
 */
export class PartitionLog {
  readonly topic: string
  readonly partition: number
  readonly stats: PartitionLogStats = { records: 0, writes: 0, syncs: 0 }
  readonly #directory: string
  readonly #options: PartitionLogOptions
  readonly #segments: SegmentFile[]
  /** One past the last fsynced record: readers and lag never see records a crash could take back. */
  #endOffset: bigint
  #queue: PendingAppend[] = []
  #flushing: Promise<void> | undefined
  #closed = false
  readonly #listeners = new Set<() => void>()

  private constructor(
    topic: string,
    partition: number,
    directory: string,
    options: PartitionLogOptions,
    segments: SegmentFile[],
  ) {
    this.topic = topic
    this.partition = partition
    this.#directory = directory
    this.#options = options
    this.#segments = segments
    this.#endOffset = this.#active.nextOffset
  }

  static async open(
    topic: string,
    partition: number,
    directory: string,
    options: PartitionLogOptions,
  ): Promise<PartitionLog> {
    await mkdir(directory, { recursive: true })
    const names = (await readdir(directory)).filter((name) => SEGMENT_NAME.test(name))
    const baseOffsets = names
      .map((name) => BigInt(name.slice(0, 20)))
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    const segments: SegmentFile[] = []
    try {
      for (const [index, baseOffset] of baseOffsets.entries()) {
        const isActive = index === baseOffsets.length - 1
        const segment = await SegmentFile.recover(
          join(directory, segmentFileName(baseOffset)),
          baseOffset,
          isActive,
        )
        segments.push(segment)
        const previous = segments.at(-2)
        if (previous && previous.nextOffset !== segment.baseOffset) {
          throw new CorruptLogError(
            `${directory}: segment ${segment.baseOffset} follows one ending at ${previous.nextOffset}`,
          )
        }
      }
      if (segments.length === 0) {
        segments.push(await SegmentFile.create(directory, 0n))
        await syncDirectory(directory)
      }
    } catch (error) {
      await Promise.allSettled(segments.map((segment) => segment.close()))
      throw error
    }
    return new PartitionLog(topic, partition, directory, options, segments)
  }

  get #active(): SegmentFile {
    return this.#segments.at(-1) as SegmentFile
  }

  /** The earliest offset still kept; older ones were deleted by retention. */
  get startOffset(): bigint {
    return (this.#segments[0] as SegmentFile).baseOffset
  }

  get endOffset(): bigint {
    return this.#endOffset
  }

  get sizeBytes(): number {
    return this.#segments.reduce((sum, segment) => sum + segment.size, 0)
  }

  get segmentCount(): number {
    return this.#segments.length
  }

  get truncatedBytes(): number {
    return this.#segments.reduce((sum, segment) => sum + segment.truncatedBytes, 0)
  }

  /** Calls `listener` after each durable append; returns the function that stops it. */
  onAppend(listener: () => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** Resolves once the records are on disk (fsynced), in the order of the calls. */
  append(records: readonly RecordToStore[]): Promise<void> {
    if (this.#closed) return Promise.reject(new Error(`partition ${this.topic}-${this.partition} is closed`))
    return new Promise((resolve, reject) => {
      this.#queue.push({ records, resolve, reject })
      // Start on a microtask so that publish calls made in the same tick share the first write.
      this.#flushing ??= Promise.resolve().then(() => this.#flushLoop())
    })
  }

  async #flushLoop(): Promise<void> {
    while (this.#queue.length > 0) {
      const group = this.#queue
      this.#queue = []
      try {
        await this.#writeGroup(group.flatMap((pending) => pending.records))
        for (const pending of group) pending.resolve()
      } catch (error) {
        for (const pending of group) pending.reject(error)
      }
    }
    this.#flushing = undefined
  }

  async #writeGroup(records: readonly RecordToStore[]): Promise<void> {
    if (this.#active.size >= this.#options.segmentBytes && this.#active.recordCount > 0n) await this.#roll()
    const segment = this.#active
    const sizeBefore = segment.size
    const offsetBefore = segment.nextOffset
    let newest = 0
    const frames = records.map((record, index) => {
      if (record.timestampMs > newest) newest = record.timestampMs
      return encodeRecord(record, offsetBefore + BigInt(index))
    })
    try {
      await segment.append(frames, newest)
      this.stats.writes += 1
      await segment.sync()
      this.stats.syncs += 1
    } catch (error) {
      // After a failed fsync the page cache may hold data the disk does not: drop it from the file
      // so that offsets are reused only for records nobody was told are stored.
      await segment.rollBack(sizeBefore, offsetBefore).catch(() => {})
      throw error
    }
    this.stats.records += records.length
    this.#endOffset = segment.nextOffset
    for (const listener of this.#listeners) listener()
  }

  async #roll(): Promise<void> {
    this.#segments.push(await SegmentFile.create(this.#directory, this.#active.nextOffset))
    await syncDirectory(this.#directory)
    // Rolling is when a sealed segment appears, so it is when retention can free something.
    void this.enforceRetention().catch(() => {})
  }

  /**
   * Deletes whole sealed segments, oldest first, while the partition is over `retentionBytes` or
   * the segment's newest record is older than `retentionMs`. The active segment is never deleted,
   * and deletion stops at the first segment to keep so the kept offsets stay contiguous.
   */
  async enforceRetention(nowMs = Date.now()): Promise<number> {
    let size = this.sizeBytes
    let expired = 0
    for (const segment of this.#segments.slice(0, -1)) {
      const tooLarge = size > this.#options.retentionBytes
      const tooOld = segment.newestTimestampMs < nowMs - this.#options.retentionMs
      if (!tooLarge && !tooOld) break
      size -= segment.size
      expired += 1
    }
    const removed = this.#segments.splice(0, expired)
    await Promise.all(removed.map((segment) => segment.retire()))
    return removed.length
  }

  /**
   * Reads up to `maxRecords` durable records from offset `from`. A `from` older than the earliest
   * kept offset continues at the earliest kept offset, as a consumer that fell behind retention must.
   */
  async read(from: bigint, maxRecords: number, cursor?: ReadCursor): Promise<PartitionRead> {
    const start = from < this.startOffset ? this.startOffset : from
    const records: IncomingRecord[] = []
    let next = start
    let position: number | undefined =
      cursor && cursor.offset === start && !cursor.segment.retired ? cursor.position : undefined
    let index =
      position === undefined
        ? this.#segmentIndexOf(start)
        : this.#segments.indexOf(cursor?.segment as SegmentFile)
    while (records.length < maxRecords && next < this.#endOffset && index < this.#segments.length) {
      const segment = this.#segments[index] as SegmentFile
      // Read synchronously after choosing the segment, so retention cannot close it in between.
      const read = await segment.read(
        next,
        this.#endOffset,
        maxRecords - records.length,
        position ?? segment.positionOf(next),
      )
      for (const stored of read.records) {
        records.push({
          topic: this.topic,
          partition: this.partition,
          offset: stored.offset,
          key: stored.key,
          value: stored.value,
          timestampMs: stored.timestampMs,
          ...(stored.headers ? { headers: stored.headers } : {}),
        })
        next = stored.offset + 1n
      }
      // At the end of a sealed segment, go on in the next one. At the end of the active one, keep
      // the cursor there: a consumer that keeps up resumes at the tail without an index lookup.
      if (records.length < maxRecords && next >= segment.nextOffset && segment !== this.#active) {
        index = this.#segments.indexOf(segment) + 1
        position = undefined
        continue
      }
      return { records, next, cursor: { offset: next, segment, position: read.position } }
    }
    // Nothing was read: the caller's cursor is still good for the next try.
    return { records, next, cursor: records.length === 0 && position !== undefined ? cursor : undefined }
  }

  #segmentIndexOf(offset: bigint): number {
    for (let index = this.#segments.length - 1; index > 0; index--) {
      if ((this.#segments[index] as SegmentFile).baseOffset <= offset) return index
    }
    return 0
  }

  /** Lets queued appends finish, then closes the files. Later appends are refused. */
  async close(): Promise<void> {
    this.#closed = true
    await this.#flushing
    this.#listeners.clear()
    await Promise.allSettled(this.#segments.map((segment) => segment.close()))
  }
}
