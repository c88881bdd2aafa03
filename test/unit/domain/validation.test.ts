import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { encodeMeasurement } from '../../../src/domain/measurement.ts'
import { validateMeasurement } from '../../../src/domain/validation.ts'

const NOW = Date.parse('2026-06-01T12:00:00Z')
const check = (item: unknown) => validateMeasurement(item, NOW, 60_000)
const problem = (item: unknown) => {
  const result = check(item)
  assert.equal(result.ok, false)
  return result.ok ? undefined : result.problem
}

describe('validateMeasurement', () => {
  it('accepts ISO-8601 and epoch milliseconds and normalises to epoch milliseconds', () => {
    assert.deepEqual(check({ sensor_id: 's', temperature: 21.5, timestamp: '2026-06-01T13:00:00+01:00' }), {
      ok: true,
      measurement: { sensorId: 's', temperature: 21.5, timestampMs: NOW },
    })
    assert.deepEqual(check({ sensor_id: 's', temperature: -273.15, timestamp: NOW }), {
      ok: true,
      measurement: { sensorId: 's', temperature: -273.15, timestampMs: NOW },
    })
  })

  it('names the field and the reason of each kind of bad item', () => {
    const base = { sensor_id: 's', temperature: 1, timestamp: NOW }
    assert.deepEqual(problem({ ...base, temperature: 1000.5 }), {
      field: 'temperature',
      reason: 'must be <= 1000',
    })
    assert.deepEqual(problem({ ...base, temperature: -274 }), {
      field: 'temperature',
      reason: 'must be >= -273.15',
    })
    assert.deepEqual(problem({ ...base, temperature: '1' }), {
      field: 'temperature',
      reason: 'must be number',
    })
    assert.deepEqual(problem({ temperature: 1, timestamp: NOW }), {
      field: 'sensor_id',
      reason: 'is required',
    })
    assert.deepEqual(problem({ ...base, sensor_id: '' }), {
      field: 'sensor_id',
      reason: 'must NOT have fewer than 1 characters',
    })
    assert.deepEqual(problem({ ...base, sensor_id: 'x'.repeat(129) }), {
      field: 'sensor_id',
      reason: 'must NOT have more than 128 characters',
    })
    assert.equal(problem({ ...base, sensor_id: ' padded ' })?.field, 'sensor_id')
    assert.deepEqual(problem({ ...base, timestamp: 'noon' }), {
      field: 'timestamp',
      reason: 'must be an ISO-8601 date-time or epoch milliseconds',
    })
    assert.deepEqual(problem({ ...base, timestamp: NOW + 120_000 }), {
      field: 'timestamp',
      reason: 'is more than 60000 ms in the future',
    })
    assert.deepEqual(problem({ ...base, extra: 1 }), { field: 'extra', reason: 'is not a known field' })
    assert.equal(problem({ ...base, sensor_id: 'a\u0000b' })?.field, 'sensor_id')
    assert.equal(problem({ ...base, sensor_id: 'x\ud800' })?.field, 'sensor_id')
    assert.deepEqual(problem({ ...base, timestamp: '0000-01-01T00:00:00Z' }), {
      field: 'timestamp',
      reason: 'must be a real date from 1970 on',
    })
    assert.deepEqual(problem([base]), { field: '(item)', reason: 'must be a JSON object' })
    assert.deepEqual(problem(null), { field: '(item)', reason: 'must be a JSON object' })
  })

  it('encodes the canonical wire form', () => {
    assert.equal(
      encodeMeasurement({ sensorId: 'a"b', temperature: 1.5, timestampMs: NOW }),
      '{"sensor_id":"a\\"b","temperature":1.5,"timestamp":"2026-06-01T12:00:00.000Z"}',
    )
  })

  it('writes the same timestamp text as Date.toISOString, whatever the order of timestamps', () => {
    const timestamps = [
      NOW,
      NOW + 7,
      NOW + 42,
      NOW + 999,
      NOW + 1000,
      NOW - 1,
      0,
      1,
      253402300799999,
      253402300800000,
    ]
    for (const timestampMs of [...timestamps, ...[...timestamps].reverse()]) {
      const encoded = JSON.parse(encodeMeasurement({ sensorId: 's', temperature: 0, timestampMs }))
      assert.equal(encoded.timestamp, new Date(timestampMs).toISOString(), `at ${timestampMs}`)
    }
  })
})
