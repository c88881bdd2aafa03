import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { decodeRecord, encodeRecord, inspectFrame } from '../../../src/broker/embedded/record-codec.ts'

describe('record codec', () => {
  const record = {
    key: 'sensör-1',
    value: '{"t":21.5}',
    headers: { trace: 'abc' },
    timestampMs: 1_700_000_000_123,
  }

  it('decodes what it encodes', () => {
    const frame = encodeRecord(record, 42n)
    const check = inspectFrame(frame, 0)
    assert.deepEqual(check, { kind: 'complete', length: frame.length })
    assert.deepEqual(decodeRecord(frame, 0, frame.length), {
      offset: 42n,
      timestampMs: record.timestampMs,
      key: record.key,
      value: Buffer.from(record.value),
      headers: record.headers,
    })
  })

  it('calls a frame cut short incomplete, whatever the cut', () => {
    const frame = encodeRecord(record, 0n)
    for (let length = 0; length < frame.length; length++) {
      assert.equal(inspectFrame(frame.subarray(0, length), 0).kind, 'incomplete', `cut at ${length}`)
    }
  })

  it('calls a frame with a flipped bit invalid', () => {
    const frame = encodeRecord(record, 0n)
    frame[frame.length - 1] = (frame[frame.length - 1] as number) ^ 1
    assert.deepEqual(inspectFrame(frame, 0), { kind: 'invalid', reason: 'checksum mismatch' })
  })

  it('calls zeroes invalid rather than an empty record', () => {
    assert.equal(inspectFrame(Buffer.alloc(64), 0).kind, 'invalid')
  })
})
