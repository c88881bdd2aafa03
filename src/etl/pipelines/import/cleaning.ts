import { parseTimestamp, type TimestampFormat } from './timestamps.ts'

export type Unit = 'C' | 'F' | 'K'

export interface CleaningRules {
  readonly sensorColumn: string
  readonly temperatureColumn: string
  readonly timestampColumn: string
  /** A column giving each row's unit; `unit` applies where it is absent or empty. */
  readonly unitColumn: string | undefined
  readonly unit: Unit
  readonly timestampFormat: TimestampFormat
  readonly timeZone: string | undefined
  /** Accepted range after conversion to °C. */
  readonly minCelsius: number
  readonly maxCelsius: number
  /** Readings further in the future than this (from the run's start) are refused. */
  readonly futureToleranceMs: number
  readonly nowMs: number
}

export interface CleanRow {
  readonly sensorId: string
  readonly celsius: number
  readonly timestampMs: number
}

export type Cleaned = { ok: true; row: CleanRow } | { ok: false; reason: string }

const UNITS: Record<string, Unit> = {
  c: 'C',
  '°c': 'C',
  celsius: 'C',
  f: 'F',
  '°f': 'F',
  fahrenheit: 'F',
  k: 'K',
  kelvin: 'K',
}

/** °F and K to °C, rounded to the microdegree so that 68 °F is exactly 20 °C. */
export function toCelsius(value: number, unit: Unit): number {
  const celsius = unit === 'C' ? value : unit === 'F' ? ((value - 32) * 5) / 9 : value - 273.15
  return Math.round(celsius * 1e6) / 1e6
}

/**
 * Turns one mapped input record into a measurement, or says what is wrong with it: trims text,
 * converts units, reads the timestamp with an explicit zone, checks ranges. Same rules as the
 * ingest API's (sensor id 1 to 128 characters, temperature within −273.15 and 1000 °C, at most
 * 5 minutes ahead), so a row that imports would also have been accepted live.
 */
export function cleanRecord(record: Record<string, unknown>, rules: CleaningRules): Cleaned {
  const sensorId = String(record[rules.sensorColumn] ?? '').trim()
  if (sensorId === '') return { ok: false, reason: `${rules.sensorColumn}: is empty` }
  if (sensorId.length > 128) return { ok: false, reason: `${rules.sensorColumn}: longer than 128 characters` }
  if (sensorId.includes('\u0000') || !sensorId.isWellFormed())
    return { ok: false, reason: `${rules.sensorColumn}: contains a NUL or an invalid character` }

  const rawTemperature = String(record[rules.temperatureColumn] ?? '').trim()
  // A decimal comma is common in European exports; a thousands separator is not accepted.
  // (The regex only runs on the rare value with a comma: it is most of this function's cost otherwise.)
  const temperature =
    rawTemperature === ''
      ? Number.NaN
      : Number(
          rawTemperature.includes(',') ? rawTemperature.replace(/^(-?\d+),(\d+)$/, '$1.$2') : rawTemperature,
        )
  if (!Number.isFinite(temperature))
    return { ok: false, reason: `${rules.temperatureColumn}: "${rawTemperature}" is not a number` }
  let unit = rules.unit
  if (rules.unitColumn) {
    const rawUnit = String(record[rules.unitColumn] ?? '')
      .trim()
      .toLowerCase()
    if (rawUnit !== '') {
      const known = UNITS[rawUnit]
      if (!known) return { ok: false, reason: `${rules.unitColumn}: unknown unit "${rawUnit}" (C, F or K)` }
      unit = known
    }
  }
  const celsius = toCelsius(temperature, unit)
  if (celsius < rules.minCelsius || celsius > rules.maxCelsius)
    return {
      ok: false,
      reason: `${rules.temperatureColumn}: ${celsius} °C is outside ${rules.minCelsius} to ${rules.maxCelsius} °C`,
    }

  const rawTimestamp = record[rules.timestampColumn]
  if (rawTimestamp === undefined || rawTimestamp === null)
    return { ok: false, reason: `${rules.timestampColumn}: is missing` }
  const timestamp = parseTimestamp(rawTimestamp as string | number, rules.timestampFormat, rules.timeZone)
  if (!timestamp.ok) return { ok: false, reason: `${rules.timestampColumn}: ${timestamp.reason}` }
  if (timestamp.ms > rules.nowMs + rules.futureToleranceMs)
    return { ok: false, reason: `${rules.timestampColumn}: more than 5 minutes in the future` }
  if (timestamp.ms < 0) return { ok: false, reason: `${rules.timestampColumn}: before 1970` }
  return { ok: true, row: { sensorId, celsius, timestampMs: timestamp.ms } }
}
