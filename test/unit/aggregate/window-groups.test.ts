import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseWindowSpec } from '../../../src/domain/window-spec.ts'
import {
  duplicatesInBatch,
  epochMicros,
  groupIntoMinutes,
  groupIntoWindows,
} from '../../../src/roles/aggregate/window-groups.ts'
import type { Reading } from '../../../src/roles/aggregate/windows-repository.ts'

const T = Date.UTC(2026, 0, 1, 10)
const reading = (sensorId: string, offsetMs: number, temperature: number, partition = 0): Reading => ({
  sensorId,
  timestampMs: T + offsetMs,
  temperature,
  partition,
})

describe('pre-aggregating a batch per window', () => {
  it('merges the readings of a window in any order into count, min, max, sums, first and last', () => {
    const groups = groupIntoWindows(
      [
        reading('a', 30_000, 21),
        reading('a', 5_000, 19, 1),
        reading('a', 59_999, 20),
        reading('a', 60_000, 30),
      ],
      [parseWindowSpec('1m')],
    )
    assert.deepEqual(
      groups.map((g) => ({ ...g })),
      [
        {
          sensorId: 'a',
          label: '1m',
          startMs: T,
          endMs: T + 60_000,
          partition: 0,
          count: 3,
          min: 19,
          max: 21,
          sum: 60,
          sumSquares: 21 * 21 + 19 * 19 + 20 * 20,
          firstMs: T + 5_000,
          firstValue: 19,
          lastMs: T + 59_999,
          lastValue: 20,
        },
        {
          sensorId: 'a',
          label: '1m',
          startMs: T + 60_000,
          endMs: T + 120_000,
          partition: 0,
          count: 1,
          min: 30,
          max: 30,
          sum: 30,
          sumSquares: 900,
          firstMs: T + 60_000,
          firstValue: 30,
          lastMs: T + 60_000,
          lastValue: 30,
        },
      ],
    )
  })

  it('puts a reading in every hopping window that holds it, and keeps sensors and sizes apart', () => {
    const groups = groupIntoWindows(
      [reading('a', 7 * 60_000, 1), reading('b', 7 * 60_000, 2)],
      [parseWindowSpec('10m/5m'), parseWindowSpec('1h')],
    )
    const keys = groups.map((g) => `${g.sensorId} ${g.label} ${(g.startMs - T) / 60_000}`).sort()
    assert.deepEqual(keys, ['a 10m/5m 0', 'a 10m/5m 5', 'a 1h 0', 'b 10m/5m 0', 'b 10m/5m 5', 'b 1h 0'])
  })

  it('finds the later copies of a (sensor, timestamp) in a batch, keeping the first in log order', () => {
    const batch = [reading('a', 1, 20), reading('b', 1, 20), reading('a', 1, 99), reading('a', 2, 20)]
    assert.deepEqual([...duplicatesInBatch(batch)], [2])
  })

  it('groups a batch per sensor and minute: µs offsets in the minute and the indexes of their readings', () => {
    const batch = [
      reading('a', 1, 20),
      reading('b', 59_999, 20),
      reading('a', 60_000.5, 20),
      reading('a', 2, 20),
    ]
    const minute = T / 60_000
    assert.deepEqual(
      groupIntoMinutes(batch).map((g) => ({ ...g })),
      [
        { sensorId: 'a', minute, offsets: [1000, 2000], indexes: [0, 3] },
        { sensorId: 'b', minute, offsets: [59_999_000], indexes: [1] },
        { sensorId: 'a', minute: minute + 1, offsets: [500], indexes: [2] },
      ],
    )
  })

  it('puts a reading at the µs PostgreSQL stores for to_timestamp(ms / 1000)', () => {
    assert.equal(epochMicros(T + 123), (T + 123) * 1000)
    assert.equal(epochMicros(T + 0.25), T * 1000 + 250)
    assert.equal(epochMicros(T + 0.0004), T * 1000)
  })
})
