import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseWindowSpec } from '../../../src/domain/window-spec.ts'
import { ReadingColumns } from '../../../src/roles/aggregate/reading-columns.ts'
import {
  epochMicros,
  groupIntoMinutes,
  groupIntoWindows,
  groupMinutesIntoWindows,
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
      ReadingColumns.of([
        reading('a', 30_000, 21),
        reading('a', 5_000, 19, 1),
        reading('a', 59_999, 20),
        reading('a', 60_000, 30),
      ]),
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
      ReadingColumns.of([reading('a', 7 * 60_000, 1), reading('b', 7 * 60_000, 2)]),
      [parseWindowSpec('10m/5m'), parseWindowSpec('1h')],
    )
    const keys = groups.map((g) => `${g.sensorId} ${g.label} ${(g.startMs - T) / 60_000}`).sort()
    assert.deepEqual(keys, ['a 10m/5m 0', 'a 10m/5m 5', 'a 1h 0', 'b 10m/5m 0', 'b 10m/5m 5', 'b 1h 0'])
  })

  it('leaves out the later copies of a (sensor, µs) in a batch, keeping the first in log order', () => {
    const batch = ReadingColumns.of([
      reading('a', 1, 20),
      reading('b', 1, 20),
      reading('a', 3, 21),
      reading('a', 1, 99),
      reading('a', 1.0004, 98),
      reading('a', 2, 20),
    ])
    const { groups, copies } = groupIntoMinutes(batch)
    assert.equal(copies, 2)
    assert.deepEqual(
      groups.map((g) => [g.sensorId, g.indexes]),
      [
        ['a', [0, 2, 5]],
        ['b', [1]],
      ],
    )
  })

  it('gives the same windows from minute groups as reading by reading, for every kind of size', () => {
    const specs = ['1m', '1h', '10m/5m', '30s', '45s/15s'].map(parseWindowSpec)
    let seed = 7
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
      return seed / 2 ** 31
    }
    const listed = Array.from({ length: 2000 }, () =>
      reading(
        `s${Math.floor(random() * 5)}`,
        Math.floor(random() * 7_200_000) + random(),
        Math.round(random() * 400) / 10,
        Math.floor(random() * 3),
      ),
    )
    const batch = ReadingColumns.of(listed)
    const { groups } = groupIntoMinutes(batch)
    const skip = new Set([3, 17, 500, 1999])
    const kept = groups
      .flatMap((g) => g.indexes)
      .filter((i) => !skip.has(i))
      .sort((a, b) => a - b)
    const key = (g: { sensorId: string; label: string; startMs: number }) =>
      `${g.sensorId} ${g.label} ${g.startMs}`
    const byKey = (list: ReturnType<typeof groupIntoWindows>) =>
      new Map(
        list.map((g) => [
          key(g),
          { ...g, sum: Math.round(g.sum * 1e6), sumSquares: Math.round(g.sumSquares * 1e3) },
        ]),
      )
    const expected = byKey(groupIntoWindows(ReadingColumns.of(kept.map((i) => listed[i] as Reading)), specs))
    const actual = byKey(groupMinutesIntoWindows(batch, groups, skip, specs))
    assert.ok(expected.size > 100)
    assert.deepEqual(actual, expected)
  })

  it('groups a batch per sensor and minute: µs offsets in the minute and the indexes of their readings', () => {
    const batch = ReadingColumns.of([
      reading('a', 1, 20),
      reading('b', 59_999, 20),
      reading('a', 60_000.5, 20),
      reading('a', 2, 20),
    ])
    const minute = T / 60_000
    assert.deepEqual(
      groupIntoMinutes(batch).groups.map((g) => ({ ...g })),
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
