import assert from 'node:assert/strict'
import { test } from 'node:test'
import { type CleaningRules, cleanRecord, toCelsius } from '../../../src/etl/pipelines/import/cleaning.ts'
import { parseTimestamp } from '../../../src/etl/pipelines/import/timestamps.ts'
import { parseSchedules } from '../../../src/etl/schedules.ts'

const rules: CleaningRules = {
  sensorColumn: 'sensor_id',
  temperatureColumn: 'temperature',
  timestampColumn: 'timestamp',
  unitColumn: 'unit',
  unit: 'C',
  timestampFormat: 'auto',
  timeZone: undefined,
  minCelsius: -273.15,
  maxCelsius: 1000,
  futureToleranceMs: 300_000,
  nowMs: Date.parse('2026-12-01T00:00:00Z'),
}

test('converts °F and K to °C exactly', () => {
  assert.equal(toCelsius(68, 'F'), 20)
  assert.equal(toCelsius(212, 'F'), 100)
  assert.equal(toCelsius(273.15, 'K'), 0)
  assert.equal(toCelsius(21.5, 'C'), 21.5)
})

test('reads timestamps with explicit zones, epochs, and zone-less times only with a time zone', () => {
  assert.deepEqual(parseTimestamp('2026-11-22T10:00:00Z', 'auto', undefined), {
    ok: true,
    ms: Date.parse('2026-11-22T10:00:00Z'),
  })
  assert.deepEqual(parseTimestamp('2026-11-22 12:00:00+0200', 'auto', undefined), {
    ok: true,
    ms: Date.parse('2026-11-22T10:00:00Z'),
  })
  assert.deepEqual(parseTimestamp('2026-11-22T10:00:00.123-05:30', 'auto', undefined), {
    ok: true,
    ms: Date.parse('2026-11-22T15:30:00.123Z'),
  })
  assert.deepEqual(parseTimestamp('1764000000', 'auto', undefined), { ok: true, ms: 1_764_000_000_000 })
  assert.deepEqual(parseTimestamp('1764000000123', 'auto', undefined), { ok: true, ms: 1_764_000_000_123 })
  assert.deepEqual(parseTimestamp('1764000000', 'epoch_ms', undefined), { ok: true, ms: 1_764_000_000 })
  assert.match(
    (parseTimestamp('2026-11-22 10:00', 'auto', undefined) as { reason: string }).reason,
    /no time zone/,
  )
  // Paris: UTC+1 in winter, UTC+2 in summer.
  assert.deepEqual(parseTimestamp('2026-01-15 10:00', 'auto', 'Europe/Paris'), {
    ok: true,
    ms: Date.parse('2026-01-15T09:00:00Z'),
  })
  assert.deepEqual(parseTimestamp('2026-07-15 10:00', 'auto', 'Europe/Paris'), {
    ok: true,
    ms: Date.parse('2026-07-15T08:00:00Z'),
  })
  // New York, the hour after the spring-forward gap.
  assert.deepEqual(parseTimestamp('2026-03-08T03:30:00', 'auto', 'America/New_York'), {
    ok: true,
    ms: Date.parse('2026-03-08T07:30:00Z'),
  })
  assert.equal(parseTimestamp('2026-02-30T10:00:00Z', 'auto', undefined).ok, false)
  assert.equal(parseTimestamp('yesterday', 'auto', undefined).ok, false)
  assert.equal(parseTimestamp('2026-11-22T10:00:00Z', 'epoch_s', undefined).ok, false)
})

test('reads the common UTC form by position exactly as the general way does, and refuses impossible dates', () => {
  // Every day of a leap year and the next, at a few times, with and without milliseconds.
  for (let day = Date.UTC(2024, 0, 1); day < Date.UTC(2026, 0, 1); day += 86_400_000)
    for (const offset of [0, 3_723_456, 86_399_999]) {
      const iso = new Date(day + offset).toISOString()
      assert.deepEqual(parseTimestamp(iso, 'auto', undefined), { ok: true, ms: day + offset })
      const seconds = `${iso.slice(0, 19)}Z`
      assert.deepEqual(parseTimestamp(seconds, 'auto', undefined), { ok: true, ms: Date.parse(seconds) })
    }
  for (const impossible of [
    '2023-02-29T10:00:00Z',
    '2026-04-31T10:00:00Z',
    '2026-13-01T10:00:00Z',
    '2026-11-22T24:00:00Z',
    '2026-11-22T10:60:00Z',
    '2026-11-22T10:00:60.000Z',
    '2026-11-2xT10:00:00Z',
  ])
    assert.equal(parseTimestamp(impossible, 'auto', undefined).ok, false, impossible)
  assert.deepEqual(parseTimestamp('2024-02-29T10:00:00z', 'auto', undefined), {
    ok: true,
    ms: Date.parse('2024-02-29T10:00:00Z'),
  })
})

test('cleans a record or names the field and the reason', () => {
  assert.deepEqual(
    cleanRecord(
      { sensor_id: ' s1 ', temperature: ' 68 ', timestamp: '2026-11-22T10:00:00Z', unit: 'F' },
      rules,
    ),
    {
      ok: true,
      row: { sensorId: 's1', celsius: 20, timestampMs: Date.parse('2026-11-22T10:00:00Z') },
    },
  )
  assert.deepEqual(
    cleanRecord({ sensor_id: 's1', temperature: '21,5', timestamp: '2026-11-22T10:00:00Z' }, rules),
    {
      ok: true,
      row: { sensorId: 's1', celsius: 21.5, timestampMs: Date.parse('2026-11-22T10:00:00Z') },
    },
  )
  const reason = (record: Record<string, unknown>) =>
    (cleanRecord(record, rules) as { reason: string }).reason
  assert.equal(
    reason({ sensor_id: '', temperature: 1, timestamp: '2026-11-22T10:00:00Z' }),
    'sensor_id: is empty',
  )
  assert.match(
    reason({ sensor_id: 'x'.repeat(129), temperature: 1, timestamp: '2026-11-22T10:00:00Z' }),
    /longer than 128/,
  )
  assert.match(
    reason({ sensor_id: 's', temperature: 'warm', timestamp: '2026-11-22T10:00:00Z' }),
    /"warm" is not a number/,
  )
  assert.match(
    reason({ sensor_id: 's', temperature: -300, timestamp: '2026-11-22T10:00:00Z' }),
    /outside -273.15 to 1000/,
  )
  assert.match(
    reason({ sensor_id: 's', temperature: 1, timestamp: '2026-11-22T10:00:00Z', unit: 'R' }),
    /unknown unit "r"/,
  )
  assert.match(reason({ sensor_id: 's', temperature: 1 }), /timestamp: is missing/)
  assert.match(reason({ sensor_id: 's', temperature: 1, timestamp: '2027-01-01T00:00:00Z' }), /future/)
})

test('parses schedules with an explicit time zone and refuses an unknown one', () => {
  assert.deepEqual(
    parseSchedules('import-measurements|0 2 * * *|Europe/Paris|source=a.csv&unit=F; x|*/5 * * * *|UTC'),
    [
      {
        pipeline: 'import-measurements',
        cron: '0 2 * * *',
        timeZone: 'Europe/Paris',
        params: { source: 'a.csv', unit: 'F' },
      },
      { pipeline: 'x', cron: '*/5 * * * *', timeZone: 'UTC', params: {} },
    ],
  )
  assert.throws(() => parseSchedules('x|0 2 * * *|Mars/Olympus'), /unknown time zone "Mars\/Olympus"/)
  assert.throws(() => parseSchedules('x|daily|UTC'), /not a cron expression/)
})
