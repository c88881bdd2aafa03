import { crc32 } from 'node:zlib'

/**
 * On-disk frame of one record, little endian:
 *
 *   u32 bodyLength | u32 crc32(body) | body
 *   body = u8 version | u64 offset | f64 timestampMs | u32 keyLength | key | u32 headersLength | headers | value
 *
 * The length and checksum come first so that recovery can tell a complete frame from one torn by
 * a crash without trusting anything inside the body. The absolute offset is stored so that a
 * frame that landed in the wrong place (a gap, a stale tail) fails validation too.
 */
export const FRAME_HEADER_BYTES = 8
const VERSION = 1
const FIXED_BODY_BYTES = 1 + 8 + 8 + 4 + 4
/** A length above this is garbage from a torn header, not a record: refuse to allocate for it. */
export const MAX_BODY_BYTES = 64 * 1024 * 1024

export interface StoredRecord {
  readonly offset: bigint
  readonly timestampMs: number
  readonly key: string
  readonly value: Buffer
  readonly headers: Readonly<Record<string, string>> | undefined
}

export interface RecordToStore {
  readonly key: string
  readonly value: string
  readonly headers?: Readonly<Record<string, string>>
  readonly timestampMs: number
}

export function encodeRecord(record: RecordToStore, offset: bigint): Buffer {
  const key = Buffer.from(record.key)
  const headers = record.headers ? Buffer.from(JSON.stringify(record.headers)) : undefined
  const valueLength = Buffer.byteLength(record.value)
  const bodyLength = FIXED_BODY_BYTES + key.length + (headers?.length ?? 0) + valueLength
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + bodyLength)
  let at = FRAME_HEADER_BYTES
  at = frame.writeUInt8(VERSION, at)
  at = frame.writeBigUInt64LE(offset, at)
  at = frame.writeDoubleLE(record.timestampMs, at)
  at = frame.writeUInt32LE(key.length, at)
  at += key.copy(frame, at)
  at = frame.writeUInt32LE(headers?.length ?? 0, at)
  if (headers) at += headers.copy(frame, at)
  frame.write(record.value, at)
  frame.writeUInt32LE(bodyLength, 0)
  frame.writeUInt32LE(crc32(frame.subarray(FRAME_HEADER_BYTES)), 4)
  return frame
}

/** What `inspectFrame` found at a position of a buffer. */
export type FrameCheck =
  | { readonly kind: 'complete'; readonly length: number }
  | { readonly kind: 'incomplete'; readonly length: number }
  | { readonly kind: 'invalid'; readonly reason: string }

/**
 * Says whether `buffer` holds a whole, intact frame at `at`. `incomplete` means more bytes are
 * needed (its length is the full frame size when the header could be read, else the header size).
 */
export function inspectFrame(buffer: Buffer, at: number): FrameCheck {
  if (buffer.length - at < FRAME_HEADER_BYTES) return { kind: 'incomplete', length: FRAME_HEADER_BYTES }
  const bodyLength = buffer.readUInt32LE(at)
  if (bodyLength < FIXED_BODY_BYTES || bodyLength > MAX_BODY_BYTES) {
    return { kind: 'invalid', reason: `implausible frame length ${bodyLength}` }
  }
  const length = FRAME_HEADER_BYTES + bodyLength
  if (buffer.length - at < length) return { kind: 'incomplete', length }
  const body = buffer.subarray(at + FRAME_HEADER_BYTES, at + length)
  if (crc32(body) !== buffer.readUInt32LE(at + 4)) return { kind: 'invalid', reason: 'checksum mismatch' }
  if (body.readUInt8(0) !== VERSION) return { kind: 'invalid', reason: `unknown frame version ${body[0]}` }
  return { kind: 'complete', length }
}

/** Reads only the offset and timestamp, for recovery scans that do not need the payload. */
export function frameOffset(buffer: Buffer, at: number): bigint {
  return buffer.readBigUInt64LE(at + FRAME_HEADER_BYTES + 1)
}

export function frameTimestamp(buffer: Buffer, at: number): number {
  return buffer.readDoubleLE(at + FRAME_HEADER_BYTES + 9)
}

/** Decodes a frame `inspectFrame` called complete. The value is copied so the read buffer can go. */
export function decodeRecord(buffer: Buffer, at: number, length: number): StoredRecord {
  const end = at + length
  let cursor = at + FRAME_HEADER_BYTES + 1
  const offset = buffer.readBigUInt64LE(cursor)
  const timestampMs = buffer.readDoubleLE(cursor + 8)
  const keyLength = buffer.readUInt32LE(cursor + 16)
  cursor += 20
  const key = buffer.toString('utf8', cursor, cursor + keyLength)
  cursor += keyLength
  const headersLength = buffer.readUInt32LE(cursor)
  cursor += 4
  const headers =
    headersLength > 0 ? JSON.parse(buffer.toString('utf8', cursor, cursor + headersLength)) : undefined
  cursor += headersLength
  return { offset, timestampMs, key, value: Buffer.from(buffer.subarray(cursor, end)), headers }
}
