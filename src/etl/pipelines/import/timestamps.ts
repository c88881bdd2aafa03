/** How timestamps of an import are written; `auto` takes ISO-8601 and epoch numbers. */
export type TimestampFormat = 'auto' | 'iso' | 'epoch_ms' | 'epoch_s'

export type ParsedTimestamp = { ok: true; ms: number } | { ok: false; reason: string }

// Date and time, `T` or a space between, optional fraction, then an optional zone.
const ISO =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i
const NUMBER = /^-?\d+(\.\d+)?$/

/**
 * Reads a timestamp into epoch milliseconds. A time with an explicit zone (`Z`, `+02:00`) is
 * exact. A time without one is read in `timeZone` (an IANA name) when the import names one, and
 * rejected otherwise: guessing the zone would shift every reading silently. `auto` reads a plain
 * number as epoch seconds below 10^11 (before 5138) and as epoch milliseconds from there.
 */
export function parseTimestamp(
  value: string | number,
  format: TimestampFormat,
  timeZone: string | undefined,
): ParsedTimestamp {
  const text = String(value).trim()
  if (text === '') return { ok: false, reason: 'timestamp is empty' }
  if (format !== 'iso' && NUMBER.test(text)) {
    const number = Number(text)
    const seconds = format === 'epoch_s' || (format === 'auto' && Math.abs(number) < 1e11)
    return { ok: true, ms: Math.round(seconds ? number * 1000 : number) }
  }
  if (format === 'epoch_ms' || format === 'epoch_s')
    return { ok: false, reason: `timestamp "${text}" is not an epoch number` }
  const fast = utcIsoMs(text)
  if (fast !== undefined) return { ok: true, ms: fast }
  const match = ISO.exec(text)
  if (!match)
    return { ok: false, reason: `timestamp "${text}" is not ISO-8601 (YYYY-MM-DDTHH:MM[:SS[.fff]][zone])` }
  const [, y, mo, d, h, mi, s = '0', fraction = '', zone] = match
  const ms = Number(fraction.padEnd(3, '0').slice(0, 3))
  const wall = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms)
  const check = new Date(wall)
  if (
    Number.isNaN(wall) ||
    check.getUTCDate() !== Number(d) ||
    check.getUTCMonth() !== Number(mo) - 1 ||
    Number(h) > 23 ||
    Number(mi) > 59 ||
    Number(s) > 59
  )
    return { ok: false, reason: `timestamp "${text}" is not a valid date and time` }
  if (zone) return { ok: true, ms: wall - zoneOffsetMs(zone) }
  if (!timeZone)
    return {
      ok: false,
      reason: `timestamp "${text}" has no time zone (add one, or set the timezone parameter)`,
    }
  return { ok: true, ms: wallTimeToUtc(wall, timeZone) }
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

/** The number written in `length` ASCII digits at `at`, or -1. */
function digitsAt(text: string, at: number, length: number): number {
  let value = 0
  for (let i = at; i < at + length; i++) {
    const digit = text.charCodeAt(i) - 48
    if (digit < 0 || digit > 9) return -1
    value = value * 10 + digit
  }
  return value
}

/**
 * The most common form, `YYYY-MM-DDTHH:MM:SSZ` or with `.sss`, read by position: the regex, its
 * match array and the date check cost more than the rest of a row's cleaning. Anything else, or
 * an impossible date, returns undefined and goes the general way (which says what is wrong).
 */
function utcIsoMs(text: string): number | undefined {
  const length = text.length
  if (length !== 20 && length !== 24) return undefined
  if (text[4] !== '-' || text[7] !== '-' || text[10] !== 'T' || text[13] !== ':' || text[16] !== ':')
    return undefined
  if (text[length - 1] !== 'Z' || (length === 24 && text[19] !== '.')) return undefined
  const year = digitsAt(text, 0, 4)
  const month = digitsAt(text, 5, 2)
  const day = digitsAt(text, 8, 2)
  const hour = digitsAt(text, 11, 2)
  const minute = digitsAt(text, 14, 2)
  const second = digitsAt(text, 17, 2)
  const ms = length === 24 ? digitsAt(text, 20, 3) : 0
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
  const days = month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0)
  if (year < 1970 || month < 1 || day < 1 || day > days || hour < 0 || hour > 23) return undefined
  if (minute < 0 || minute > 59 || second < 0 || second > 59 || ms < 0) return undefined
  return Date.UTC(year, month - 1, day, hour, minute, second, ms)
}

function zoneOffsetMs(zone: string): number {
  if (zone.toUpperCase() === 'Z') return 0
  const sign = zone.startsWith('-') ? -1 : 1
  const digits = zone.slice(1).replace(':', '')
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0')) * 60_000
}

const formatters = new Map<string, Intl.DateTimeFormat>()
const offsets = new Map<string, number>()

/** The zone's offset from UTC at an instant, cached per zone and hour (zones change on the hour). */
function offsetAt(utcMs: number, timeZone: string): number {
  const key = `${timeZone}|${Math.floor(utcMs / 3_600_000)}`
  const cached = offsets.get(key)
  if (cached !== undefined) return cached
  let formatter = formatters.get(timeZone)
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    })
    formatters.set(timeZone, formatter)
  }
  const part = Object.fromEntries(formatter.formatToParts(utcMs).map((p) => [p.type, Number(p.value)]))
  const local = Date.UTC(part.year ?? 0, (part.month ?? 1) - 1, part.day, part.hour, part.minute, part.second)
  const offset = local - Math.floor(utcMs / 1000) * 1000
  if (offsets.size > 100_000) offsets.clear()
  offsets.set(key, offset)
  return offset
}

/**
 * The instant a wall-clock time names in a zone. Around a DST change the second guess corrects
 * the first; a time that falls in a gap moves forward, one that occurs twice takes the first.
 */
function wallTimeToUtc(wall: number, timeZone: string): number {
  const first = wall - offsetAt(wall, timeZone)
  const second = wall - offsetAt(first, timeZone)
  return first === second ? first : Math.min(first, second)
}

/** Whether the runtime knows an IANA time zone. */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name })
    return true
  } catch {
    return false
  }
}
