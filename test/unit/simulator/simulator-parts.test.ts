import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { validateMeasurement } from '../../../src/domain/validation.ts'
import { isRetryableStatus, retryDelayMs } from '../../../src/roles/simulator/retry-policy.ts'
import { faultyReading, SensorSignal, seededRandom } from '../../../src/roles/simulator/sensor-signal.ts'

describe('simulator parts', () => {
  it('retries only 429 and 503, honours Retry-After and caps its backoff', () => {
    assert.deepEqual([400, 404, 413, 415, 429, 500, 503].map(isRetryableStatus), [
      false,
      false,
      false,
      false,
      true,
      false,
      true,
    ])
    assert.equal(
      retryDelayMs(0, '2', () => 0),
      2000,
    )
    assert.ok(retryDelayMs(20, undefined, () => 0.999) <= 10_000)
    assert.ok(retryDelayMs(1, undefined, () => 0.5) <= 200)
  })

  it('produces valid, plausible readings with strictly increasing timestamps per sensor', () => {
    const signal = new SensorSignal('s', seededRandom(7))
    const now = Date.parse('2026-01-01T00:00:00Z')
    const readings = Array.from({ length: 1000 }, () => signal.next(now))
    const times = readings.map((r) => Date.parse(r.timestamp as string))
    assert.ok(times.every((t, i) => i === 0 || t > (times[i - 1] as number)))
    for (const reading of readings) {
      assert.equal(validateMeasurement(reading, now + 10_000, 0).ok, true)
      assert.ok(reading.temperature > -20 && reading.temperature < 80)
    }
  })

  it('makes faulty readings that validation refuses', () => {
    const random = seededRandom(3)
    const valid = new SensorSignal('s', random).next(Date.now())
    for (let i = 0; i < 50; i++)
      assert.equal(validateMeasurement(faultyReading(valid, random), Date.now(), 60_000).ok, false)
  })
})
