import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { IncomingRecord } from '../../../src/broker/broker.ts'
import { parseErrorsRecord } from '../../../src/roles/dead-letters/dead-letter-entry.ts'
import { deadLetterRecord } from '../../../src/roles/saver/dead-letter.ts'

const source: IncomingRecord = {
  topic: 'temperatures',
  partition: 2,
  offset: 17n,
  key: 's-1',
  value: Buffer.from('{"sensor_id":"s-1","temperature":5000,"timestamp":"2026-12-01T10:00:00Z"}'),
  timestampMs: Date.parse('2026-12-01T10:00:01Z'),
}

/** The errors-topic record as the broker hands it to the dead-letter saver. */
function onErrorsTopic(value: string, key: string | null, offset = 3n): IncomingRecord {
  return { topic: 'errors', partition: 0, offset, key, value: Buffer.from(value), timestampMs: 1 }
}

describe('parseErrorsRecord', () => {
  it("reads the saver's entry back: coordinates, key, reason, field, payload bytes, sensor and time", () => {
    const written = deadLetterRecord(
      source,
      { reason: 'temperature must be <= 1000', field: 'temperature' },
      'errors',
    )
    const parsed = parseErrorsRecord(onErrorsTopic(written.value, written.key))
    assert.equal(parsed.kind, 'entry')
    if (parsed.kind !== 'entry') return
    const { entry } = parsed
    assert.deepEqual(
      [entry.sourceTopic, entry.sourcePartition, entry.sourceOffset, entry.sourceKey],
      ['temperatures', 2, 17n, 's-1'],
    )
    assert.deepEqual([entry.errorsTopic, entry.errorsPartition, entry.errorsOffset], ['errors', 0, 3n])
    assert.deepEqual(entry.payload, source.value)
    assert.equal(entry.field, 'temperature')
    assert.equal(entry.sensorId, 's-1')
    assert.equal(entry.measuredAtMs, Date.parse('2026-12-01T10:00:00Z'))
  })

  it('keeps bytes that are not UTF-8 (base64 on the topic) and a source without a key', () => {
    const binary: IncomingRecord = { ...source, key: null, value: Buffer.from([0xff, 0xfe, 0x00]) }
    const written = deadLetterRecord(binary, { reason: 'payload is not valid JSON' }, 'errors')
    const parsed = parseErrorsRecord(onErrorsTopic(written.value, written.key))
    assert.ok(parsed.kind === 'entry')
    assert.deepEqual(parsed.entry.payload, binary.value)
    assert.equal(parsed.entry.sourceKey, null)
    assert.equal(parsed.entry.sensorId, null)
  })

  it('refuses an entry marked transient, and keeps a foreign one as its own source', () => {
    const written = JSON.parse(deadLetterRecord(source, { reason: 'x' }, 'errors').value)
    const transient = parseErrorsRecord(
      onErrorsTopic(JSON.stringify({ ...written, category: 'transient' }), 'k'),
    )
    assert.deepEqual(transient, { kind: 'refused', why: 'category transient' })
    const foreign = parseErrorsRecord(onErrorsTopic('{"hello":"\u0000world"}', 'k\u0000', 9n))
    assert.ok(foreign.kind === 'entry')
    assert.deepEqual([foreign.entry.sourceTopic, foreign.entry.sourceOffset], ['errors', 9n])
    assert.equal(foreign.entry.sourceKey, 'k\uFFFD', 'NUL, which PostgreSQL text refuses, is replaced')
  })
})
