import type { CleanRow } from './cleaning.ts'

/**
 * Bytes of COPY text per chunk (about 45,000 rows of a typical file): each chunk is one COPY into
 * a staging table and one INSERT from it. Large, so the per-statement costs (round trips, a
 * TRUNCATE) vanish beside the rows; small, so the few chunks in memory at once (one being filled,
 * one per load slot) stay a few MB and an INSERT lasts about a second on a quiet machine.
 */
export const CHUNK_BYTES = 2 * 1024 * 1024
/**
 * Room kept free for the next line: a staged line is at most about 1 KB (a sensor id of 128
 * characters, 3 bytes each in UTF-8, quotes doubled, three integers), so it always fits.
 */
const MAX_LINE_BYTES = 4096

const QUOTE = 0x22
const COMMA = 0x2c
const MINUS = 0x2d
const ZERO = 0x30
const NEWLINE = 0x0a

/** Lines of COPY text ready to send: `bytes` views a buffer the chunker takes back once sent. */
export interface CopyChunk {
  readonly bytes: Buffer<ArrayBuffer>
  readonly rows: number
}

/**
 * Writes clean rows as COPY CSV lines (`"sensor id",microdegrees,epoch ms,line`) straight into
 * reused buffers of CHUNK_BYTES and hands out full chunks. Numbers are written digit by digit:
 * turning them into strings goes through V8's number-string cache, which keeps each string alive
 * long enough to reach the old generation (half the garbage there, growing the heap with the
 * file). A chunk's buffer comes back with `release` once the database has it; the pool grows
 * only to the chunks in flight at once.
 */
export class CopyChunker {
  readonly #free: Buffer<ArrayBuffer>[] = []
  #buffer: Buffer<ArrayBuffer> = this.#take()
  #length = 0
  #rows = 0

  /** Adds a row; returns the full chunk when it is time to send one, or undefined. */
  push(row: CleanRow, line: number): CopyChunk | undefined {
    const buffer = this.#buffer
    let at = this.#length
    // The sensor id is quoted: it may hold commas or quotes.
    const id = row.sensorId.includes('"') ? row.sensorId.replaceAll('"', '""') : row.sensorId
    buffer[at++] = QUOTE
    at += buffer.write(id, at)
    buffer[at++] = QUOTE
    buffer[at++] = COMMA
    // Cleaning rounds to the microdegree, so this integer is exact; the load divides it back.
    at = writeInteger(buffer, at, Math.round(row.celsius * 1e6))
    buffer[at++] = COMMA
    at = writeInteger(buffer, at, row.timestampMs)
    buffer[at++] = COMMA
    at = writeInteger(buffer, at, line)
    buffer[at++] = NEWLINE
    this.#length = at
    this.#rows++
    return buffer.length - at < MAX_LINE_BYTES ? this.flush() : undefined
  }

  /** What is left, or undefined when nothing is. */
  flush(): CopyChunk | undefined {
    if (this.#rows === 0) return undefined
    const chunk = { bytes: this.#buffer.subarray(0, this.#length), rows: this.#rows }
    this.#buffer = this.#take()
    this.#length = 0
    this.#rows = 0
    return chunk
  }

  /** Takes back a chunk's buffer once it is sent (its COPY ended), to be filled again. */
  release(chunk: CopyChunk): void {
    this.#free.push(Buffer.from(chunk.bytes.buffer, chunk.bytes.byteOffset, CHUNK_BYTES))
  }

  #take(): Buffer<ArrayBuffer> {
    return this.#free.pop() ?? Buffer.allocUnsafeSlow(CHUNK_BYTES)
  }
}

/** Writes an integer (|value| < 2^53) in decimal at `at`; returns where it ends. */
function writeInteger(buffer: Buffer, at: number, value: number): number {
  let rest = value
  if (rest < 0) {
    buffer[at++] = MINUS
    rest = -rest
  }
  let digits = 1
  for (let power = 10; power <= rest; power *= 10) digits++
  for (let i = at + digits - 1; i >= at; i--) {
    buffer[i] = ZERO + (rest % 10)
    rest = Math.floor(rest / 10)
  }
  return at + digits
}
