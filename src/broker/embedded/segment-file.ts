import { constants } from 'node:fs'
import { type FileHandle, open, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { CorruptLogError } from './embedded-errors.ts'
import {
  decodeRecord,
  FRAME_HEADER_BYTES,
  frameOffset,
  frameTimestamp,
  inspectFrame,
  type StoredRecord,
} from './record-codec.ts'

/** One sparse-index entry per this many bytes: a lookup scans at most this much before the wanted record. */
const INDEX_INTERVAL_BYTES = 16 * 1024
const READ_CHUNK_BYTES = 64 * 1024
const RECOVERY_CHUNK_BYTES = 1024 * 1024

export function segmentFileName(baseOffset: bigint): string {
  return `${baseOffset.toString().padStart(20, '0')}.log`
}

export interface SegmentRead {
  readonly records: StoredRecord[]
  /** File position after the last record returned, to continue from without an index lookup. */
  readonly position: number
}

/**
 * One append-only file of a partition, named after the offset of its first record. Appends go to
 * the tail at a tracked position; the partition decides when they are synced. An in-memory sparse
 * index (offset → file position) rebuilt on open keeps reads from scanning or loading the file.
 */
export class SegmentFile {
  readonly baseOffset: bigint
  readonly path: string
  readonly #handle: FileHandle
  /** Bytes of complete frames; readers never look past it. */
  #size = 0
  #nextOffset: bigint
  #newestTimestampMs = 0
  readonly #indexOffsets: bigint[] = []
  readonly #indexPositions: number[] = []
  #lastIndexedPosition = Number.NEGATIVE_INFINITY
  #readers = 0
  #retired = false
  #closed = false
  #readersGone: (() => void) | undefined
  #truncatedBytes = 0

  private constructor(path: string, baseOffset: bigint, handle: FileHandle) {
    this.path = path
    this.baseOffset = baseOffset
    this.#handle = handle
    this.#nextOffset = baseOffset
  }

  static async create(directory: string, baseOffset: bigint): Promise<SegmentFile> {
    const path = join(directory, segmentFileName(baseOffset))
    // O_EXCL: an existing file of this name would hold records the partition does not know about.
    const handle = await open(path, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL)
    return new SegmentFile(path, baseOffset, handle)
  }

  /**
   * Opens an existing segment and validates every frame. A bad frame in the active (last) segment
   * is the tail of a write a crash interrupted: it and everything after it are cut off, which is
   * safe because a publish resolves only after its fsync. Anywhere else it is corruption.
   */
  static async recover(path: string, baseOffset: bigint, isActive: boolean): Promise<SegmentFile> {
    const handle = await open(path, constants.O_RDWR)
    const segment = new SegmentFile(path, baseOffset, handle)
    try {
      const fileSize = (await handle.stat()).size
      const problem = await segment.#scan(fileSize)
      if (problem !== undefined) {
        if (!isActive)
          throw new CorruptLogError(`${path}: ${problem} at byte ${segment.#size} of a sealed segment`)
        await handle.truncate(segment.#size)
        await handle.datasync()
      }
      return segment
    } catch (error) {
      await handle.close()
      throw error
    }
  }

  get size(): number {
    return this.#size
  }

  get nextOffset(): bigint {
    return this.#nextOffset
  }

  get recordCount(): bigint {
    return this.#nextOffset - this.baseOffset
  }

  get newestTimestampMs(): number {
    return this.#newestTimestampMs
  }

  get retired(): boolean {
    return this.#retired
  }

  /** Bytes the crash recovery cut off, for the broker's statistics. */
  get truncatedBytes(): number {
    return this.#truncatedBytes
  }

  async #scan(fileSize: number): Promise<string | undefined> {
    let buffer = Buffer.allocUnsafe(Math.min(RECOVERY_CHUNK_BYTES, Math.max(fileSize, FRAME_HEADER_BYTES)))
    while (this.#size < fileSize) {
      const chunkStart = this.#size
      const { bytesRead } = await this.#handle.read(buffer, 0, buffer.length, chunkStart)
      if (bytesRead === 0) return this.#cutOff(fileSize, 'file shorter than its size')
      const chunk = buffer.subarray(0, bytesRead)
      // `#size` advances frame by frame, so a cut-off keeps exactly the frames validated so far.
      while (this.#size < chunkStart + chunk.length) {
        const at = this.#size - chunkStart
        const check = inspectFrame(chunk, at)
        if (check.kind === 'invalid') return this.#cutOff(fileSize, check.reason)
        if (check.kind === 'incomplete') {
          if (this.#size + check.length > fileSize) return this.#cutOff(fileSize, 'frame torn at end of file')
          // The frame is in the file but not in this chunk: read again from its start.
          if (check.length > buffer.length) buffer = Buffer.allocUnsafe(check.length)
          break
        }
        const offset = frameOffset(chunk, at)
        if (offset !== this.#nextOffset) {
          return this.#cutOff(fileSize, `offset ${offset} where ${this.#nextOffset} was expected`)
        }
        this.#noteAppended(this.#size, offset, frameTimestamp(chunk, at))
        this.#size += check.length
      }
    }
    return undefined
  }

  #cutOff(fileSize: number, reason: string): string {
    this.#truncatedBytes = fileSize - this.#size
    return reason
  }

  #noteAppended(position: number, offset: bigint, timestampMs: number): void {
    if (position - this.#lastIndexedPosition >= INDEX_INTERVAL_BYTES) {
      this.#indexOffsets.push(offset)
      this.#indexPositions.push(position)
      this.#lastIndexedPosition = position
    }
    this.#nextOffset = offset + 1n
    if (timestampMs > this.#newestTimestampMs) this.#newestTimestampMs = timestampMs
  }

  /**
   * Writes frames at the tail. `frames` are the encoded records in offset order, starting at
   * `nextOffset`; they become readable (up to the partition's durable end) once written.
   */
  async append(frames: readonly Buffer[], timestampMs: number): Promise<void> {
    const data = frames.length === 1 ? (frames[0] as Buffer) : Buffer.concat(frames)
    let written = 0
    while (written < data.length) {
      const { bytesWritten } = await this.#handle.write(
        data,
        written,
        data.length - written,
        this.#size + written,
      )
      written += bytesWritten
    }
    let position = this.#size
    let offset = this.#nextOffset
    for (const frame of frames) {
      this.#noteAppended(position, offset, timestampMs)
      position += frame.length
      offset += 1n
    }
    this.#size = position
  }

  /** Cuts off a write whose fsync failed, so that the file again ends at the last durable frame. */
  async rollBack(size: number, nextOffset: bigint): Promise<void> {
    await this.#handle.truncate(size)
    this.#size = size
    this.#nextOffset = nextOffset
    while ((this.#indexPositions.at(-1) ?? -1) >= size) {
      this.#indexPositions.pop()
      this.#indexOffsets.pop()
    }
    this.#lastIndexedPosition = this.#indexPositions.at(-1) ?? Number.NEGATIVE_INFINITY
  }

  async sync(): Promise<void> {
    await this.#handle.datasync()
  }

  /** File position of the latest indexed record at or before `offset`. */
  positionOf(offset: bigint): number {
    let low = 0
    let high = this.#indexOffsets.length - 1
    let found = 0
    while (low <= high) {
      const middle = (low + high) >>> 1
      if ((this.#indexOffsets[middle] as bigint) <= offset) {
        found = this.#indexPositions[middle] as number
        low = middle + 1
      } else high = middle - 1
    }
    return found
  }

  /**
   * Reads up to `maxRecords` records with offsets in [from, before), starting at `position` (a
   * position an earlier read returned, or `positionOf(from)`). Memory stays at one chunk.
   */
  async read(from: bigint, before: bigint, maxRecords: number, position: number): Promise<SegmentRead> {
    this.#readers += 1
    try {
      const records: StoredRecord[] = []
      let buffer = Buffer.allocUnsafe(READ_CHUNK_BYTES)
      while (records.length < maxRecords && position < this.#size) {
        const length = Math.min(buffer.length, this.#size - position)
        const { bytesRead } = await this.#handle.read(buffer, 0, length, position)
        if (bytesRead === 0) break
        const chunk = buffer.subarray(0, bytesRead)
        let at = 0
        while (records.length < maxRecords && at < chunk.length) {
          const check = inspectFrame(chunk, at)
          if (check.kind === 'invalid')
            throw new CorruptLogError(`${this.path}: ${check.reason} at byte ${position + at}`)
          if (check.kind === 'incomplete') {
            // Either the frame crosses the chunk's end (read on from it) or is larger than the
            // buffer (grow it); a frame cut short by the file itself only a rollback can cause.
            if (check.length > buffer.length) buffer = Buffer.allocUnsafe(check.length)
            else if (at === 0) return { records, position }
            break
          }
          const offset = frameOffset(chunk, at)
          if (offset >= before) return { records, position: position + at }
          if (offset >= from) records.push(decodeRecord(chunk, at, check.length))
          at += check.length
        }
        position += at
      }
      return { records, position }
    } finally {
      this.#readers -= 1
      if (this.#readers === 0) this.#readersGone?.()
    }
  }

  /**
   * Deletes the file for retention. The descriptor stays open until in-flight reads finish, which
   * POSIX allows for an unlinked file, so a reader racing with retention never sees EBADF.
   */
  async retire(): Promise<void> {
    this.#retired = true
    await unlink(this.path)
    await this.close()
  }

  /** Closes the descriptor once no read is using it. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    while (this.#readers > 0) {
      await new Promise<void>((resolve) => {
        this.#readersGone = resolve
      })
    }
    await this.#handle.close()
  }
}
