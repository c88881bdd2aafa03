import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  type CompressionAlgorithmValue,
  createRecordsBatch,
  createRecordsBatchAsync,
  type MessageRecord,
  Reader,
  readRecordsBatch,
} from '@platformatic/kafka'

/**
 * The record batch encoder of @platformatic/kafka as patched by patches/ (one buffer a batch, a
 * true 64-bit timestamp delta): every field must read back as sent, through the library's own
 * reader, with and without compression. The broker contract suite checks the same bytes against
 * a real Kafka broker; this pins the edge cases a bench load never sends.
 */
const DAY = 86_400_000n
const FIRST = 1_765_000_000_000n

function messages(count: number, timestampOf: (index: number) => bigint): MessageRecord[] {
  return Array.from({ length: count }, (_, index) => ({
    topic: 'temperatures',
    partition: 0,
    // A null key, an empty value and headers now and then, as other producers may send.
    key: index % 7 === 3 ? undefined : Buffer.from(`sensor-${index}`),
    value:
      index % 11 === 5 ? Buffer.alloc(0) : Buffer.from(`{"n":${index},"pad":"${'x'.repeat(index % 400)}"}`),
    headers:
      index % 5 === 0
        ? new Map([
            [Buffer.from('traceparent'), Buffer.from(`00-${index.toString(16).padStart(32, '0')}-01`)],
          ])
        : new Map(),
    timestamp: timestampOf(index),
  }))
}

function readBack(batch: Buffer) {
  const read = readRecordsBatch(Reader.from(batch))
  return read.records.map((record) => ({
    key: record.key?.length ? record.key.toString() : undefined,
    value: String(record.value),
    headers: record.headers.map(([key, value]) => [String(key), String(value)]),
    timestamp: read.firstTimestamp + record.timestampDelta,
  }))
}

function expected(sent: MessageRecord[]) {
  return sent.map((message) => ({
    key: message.key?.toString(),
    value: message.value?.toString(),
    headers: [...(message.headers as Map<Buffer, Buffer>)].map(([key, value]) => [
      key.toString(),
      value.toString(),
    ]),
    timestamp: message.timestamp,
  }))
}

describe('the patched Kafka record batch', () => {
  it('reads back every key, value, header and timestamp of a batch larger than its first buffer', () => {
    const sent = messages(1_000, (index) => FIRST + BigInt(index * 3))
    const batch = createRecordsBatch(sent, {}).buffer
    assert.ok(batch.length > 64 * 1024, `a ${batch.length}-byte batch grows the 16 KiB buffer`)
    assert.deepEqual(readBack(batch), expected(sent))
  })

  it('keeps timestamps more than 2^31 ms from the first one (the upstream zigzag bug)', () => {
    const offsets = [0n, 24n * DAY, 25n * DAY, -25n * DAY, 400n * DAY, -(2n ** 40n)]
    const sent = messages(offsets.length, (index) => FIRST + (offsets[index] as bigint))
    assert.deepEqual(
      readBack(createRecordsBatch(sent, {}).buffer).map((record) => record.timestamp),
      sent.map((message) => message.timestamp),
    )
  })

  for (const compression of ['gzip', 'snappy', 'lz4', 'zstd'] as CompressionAlgorithmValue[])
    it(`reads back a ${compression} batch, built at once or asynchronously`, async () => {
      const sent = messages(300, (index) => FIRST + BigInt(index))
      const batch = createRecordsBatch(sent, { compression }).buffer
      assert.deepEqual(readBack(batch), expected(sent))
      const asynchronous = await createRecordsBatchAsync(
        messages(300, (index) => FIRST + BigInt(index)),
        { compression },
      )
      assert.ok(asynchronous.buffer.equals(batch))
    })
})
