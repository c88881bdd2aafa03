import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ConfigError, loadConfig } from '../../../src/config/config.ts'
import { firstWindowEnd, firstWindowStart, parseWindowSpec } from '../../../src/domain/window-spec.ts'
import {
  type AlertRule,
  type AlertState,
  type AlertTransition,
  evaluateReadings,
} from '../../../src/roles/aggregate/alert-rules.ts'
import { Watermarks } from '../../../src/roles/aggregate/watermarks.ts'

describe('window sizes', () => {
  it('parses tumbling and hopping sizes and refuses the rest with the reason', () => {
    assert.deepEqual(parseWindowSpec('1m'), { label: '1m', sizeMs: 60_000, hopMs: 60_000 })
    assert.deepEqual(parseWindowSpec('10m/5m'), { label: '10m/5m', sizeMs: 600_000, hopMs: 300_000 })
    assert.throws(() => parseWindowSpec('10m/3m'), /multiple of its hop/)
    assert.throws(() => parseWindowSpec('1w'), /not a window size/)
    assert.throws(() => loadConfig({ windows: '1m,7m/2m' }, {}), ConfigError)
  })

  it('places a reading in the windows date_bin would', () => {
    const hour = parseWindowSpec('1h')
    const ts = Date.UTC(2026, 0, 1, 10, 59, 59, 999)
    assert.equal(firstWindowStart(hour, ts), Date.UTC(2026, 0, 1, 10))
    assert.equal(firstWindowEnd(hour, ts), Date.UTC(2026, 0, 1, 11))
    // A 10-minute window every 5 minutes: 10:07 is in [10:00, 10:10) and [10:05, 10:15); the first ends first.
    const hopping = parseWindowSpec('10m/5m')
    assert.equal(firstWindowStart(hopping, Date.UTC(2026, 0, 1, 10, 7)), Date.UTC(2026, 0, 1, 10, 0))
  })
})

describe('watermarks', () => {
  it('is the lowest newest-event time minus the lateness over the active partitions', () => {
    const marks = new Watermarks(30_000, 10_000)
    marks.observe(0, 1_000_000, 0)
    marks.observe(1, 500_000, 0)
    assert.equal(marks.advance(1000), 470_000)
  })

  it('lets an idle partition go, follows the clock when all are idle, and never goes back', () => {
    const marks = new Watermarks(30_000, 10_000)
    marks.observe(0, 1_000_000, 0)
    marks.observe(1, 500_000, 5_000)
    assert.equal(marks.advance(12_000), 470_000, 'partition 0 idle: partition 1 holds')
    marks.observe(0, 2_000_000, 12_000)
    assert.equal(marks.advance(16_000), 1_970_000, 'partition 1 idle now')
    assert.equal(
      marks.advance(40_000),
      1_970_000,
      'all idle: the clock (40 s − 30 s) is behind, no step back',
    )
    assert.equal(marks.advance(5_000_000), 4_970_000, 'all idle: follows the wall clock')
  })

  it('counts records read but not merged yet as activity', () => {
    const marks = new Watermarks(30_000, 10_000)
    marks.observe(1, 500_000, 0)
    marks.observe(0, 1_000_000, 10_000)
    // Partition 1's next records were read at 8 s and wait for a merge that has not run by 15 s.
    marks.touch(1, 8_000)
    assert.equal(marks.advance(15_000), 470_000, 'partition 1 holds: its readings are on their way')
    assert.equal(marks.advance(18_000), 970_000, 'nothing read since 8 s: idle at 18 s, partition 0 holds')
  })
})

describe('alert rules', () => {
  const rule: AlertRule = {
    sensorId: null,
    minTemperature: -10,
    maxTemperature: 30,
    consecutive: 2,
    windowSize: null,
    meanAbove: null,
    meanBelow: null,
  }
  const fresh = (): AlertState => ({
    sensorId: 's',
    kind: 'reading',
    breaches: 0,
    lastMs: undefined,
    openSinceMs: undefined,
  })
  const readings = (...values: number[]) => values.map((value, index) => ({ atMs: index + 1, value }))

  it('opens after N readings in a row outside the limits and resolves on the first one inside', () => {
    const out: AlertTransition[] = []
    evaluateReadings(rule, fresh(), readings(31, 20, 31, 35, 40, 20, -11), out)
    assert.deepEqual(
      out.map((t) => [t.state, t.atMs, t.value]),
      [
        ['open', 4, 35],
        ['resolved', 6, 20],
      ],
    )
  })

  it('evaluates a reading once: duplicates and older readings change nothing', () => {
    const state = fresh()
    const out: AlertTransition[] = []
    evaluateReadings(rule, state, readings(31, 32), out)
    evaluateReadings(rule, state, readings(31, 32, 20), out)
    assert.deepEqual(
      out.map((t) => t.state),
      ['open', 'resolved'],
    )
  })
})
