import { createInterface } from 'node:readline'
import type { Readable } from 'node:stream'
import { parse } from 'csv-parse'
import { FlowlineError } from '../../../errors.ts'
import type { Format } from './sources.ts'

/** One input record with the line it ends on, or a line that could not be read as a record. */
export type InputRecord =
  | { readonly line: number; readonly record: Record<string, unknown>; readonly raw: string }
  | { readonly line: number; readonly error: string; readonly raw: string }

export interface RecordOptions {
  readonly format: Format
  readonly delimiter: string
  /** Columns the mapping needs; a CSV header without one of them fails the run at once. */
  readonly requiredColumns: readonly string[]
}

/** Records of a CSV (with a header row, parsed by csv-parse) or NDJSON stream, in order. */
export function readRecords(stream: Readable, options: RecordOptions): AsyncIterable<InputRecord> {
  return options.format === 'csv' ? readCsv(stream, options) : readNdjson(stream)
}

async function* readCsv(stream: Readable, options: RecordOptions): AsyncGenerator<InputRecord> {
  const skipped: InputRecord[] = []
  let headerError: Error | undefined
  const parser = stream.pipe(
    parse({
      bom: true,
      delimiter: options.delimiter,
      trim: true,
      skip_empty_lines: true,
      raw: true,
      info: true,
      columns: (header: string[]) => {
        const missing = options.requiredColumns.filter((column) => !header.includes(column))
        if (missing.length > 0)
          headerError = new FlowlineError(
            'SOURCE_INVALID',
            `The CSV header has no column ${missing.map((c) => `"${c}"`).join(', ')} (it has ${header.map((c) => `"${c}"`).join(', ')}); map columns with the *_column parameters`,
          )
        return header
      },
      // A malformed row (wrong number of fields, a stray quote) is rejected, not fatal.
      skip_records_with_error: true,
      on_skip: (error, raw) => {
        skipped.push({
          line: (error as { lines?: number } | undefined)?.lines ?? 0,
          error: error?.message.replace(/^Invalid Record Length: /, '') ?? 'unreadable row',
          raw: (raw ?? '').replace(/\r?\n$/, ''),
        })
        return undefined
      },
    }),
  )
  stream.on('error', (error) => parser.destroy(error))
  for await (const { record, raw, info } of parser as AsyncIterable<{
    record: Record<string, string>
    raw: string
    info: { lines: number }
  }>) {
    if (headerError) throw headerError
    while (skipped.length > 0) yield skipped.shift() as InputRecord
    yield { line: info.lines, record, raw: raw.replace(/\r?\n$/, '') }
  }
  if (headerError) throw headerError
  while (skipped.length > 0) yield skipped.shift() as InputRecord
}

async function* readNdjson(stream: Readable): AsyncGenerator<InputRecord> {
  let line = 0
  for await (const text of createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY })) {
    line++
    if (text.trim() === '') continue
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch {
      yield { line, error: 'not valid JSON', raw: text }
      continue
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      yield { line, error: 'not a JSON object', raw: text }
      continue
    }
    yield { line, record: value as Record<string, unknown>, raw: text }
  }
}
