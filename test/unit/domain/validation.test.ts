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
  it('reads the canonical form (toISOString) without the format check, to the same millisecond', () => {
    // A run of readings in one second (the kept second's text), then across seconds and days.
    const times = [
      ...Array.from({ length: 50 }, (_, i) => NOW - 60_000 + i * 7),
      ...Array.from({ length: 50 }, (_, i) => NOW - 86_400_000 * i - 999 * i),
    ]
    for (const ms of times) {
      const result = check({ sensor_id: 's', temperature: 1, timestamp: new Date(ms).toISOString() })
      assert.deepEqual(result, { ok: true, measurement: { sensorId: 's', temperature: 1, timestampMs: ms } })
    }
  })

  it('refuses canonical-looking texts that are not real times, as the full check does', () => {
    const timestampProblem = (timestamp: string) => problem({ sensor_id: 's', temperature: 1, timestamp })
    const notADateTime = { field: 'timestamp', reason: 'must be an ISO-8601 date-time or epoch milliseconds' }
    const notARealDate = { field: 'timestamp', reason: 'must be a real date from 1970 on' }
    // Date.parse rolls February 30th over to March 2nd (and 24:00 to the next day); the format check refuses them.
    for (const text of ['2026-02-30T00:00:00.000Z', '2026-05-31T24:00:00.000Z', '2026-13-01T00:00:00.000Z'])
      assert.deepEqual(timestampProblem(text), notADateTime, text)
    // Within the second kept from the reading before: the milliseconds must still be digits.
    check({ sensor_id: 's', temperature: 1, timestamp: '2026-05-31T10:00:00.000Z' })
    for (const text of ['2026-05-31T10:00:00.0a0Z', '2026-05-31T10:00:00.-10Z'])
      assert.deepEqual(timestampProblem(text), notADateTime, text)
    // Before 1970, within one second too (the kept second's time is negative there), and a leap
    // second, which passes the format: no real date.
    for (const text of ['1969-12-31T23:59:59.500Z', '1969-12-31T23:59:59.700Z', '2026-05-31T23:59:60.000Z'])
      assert.deepEqual(timestampProblem(text), notARealDate, text)
  })

  it('still checks every other field when the timestamp is canonical', () => {
    const timestamp = new Date(NOW).toISOString()
    assert.deepEqual(problem({ sensor_id: ' s', temperature: 1, timestamp }), {
      field: 'sensor_id',
      reason: 'must match pattern "^\\S(.*\\S)?$"',
    })
    assert.deepEqual(problem({ sensor_id: 's', temperature: 1, timestamp, extra: 1 }), {
      field: 'extra',
      reason: 'is not a known field',
    })
    assert.deepEqual(
      problem({ sensor_id: 's', temperature: 1, timestamp, schema_version: 2, humidity: 101 }),
      {
        field: 'humidity',
        reason: 'must be <= 100',
      },
    )
  })
})
