import { type Static, Type } from '@sinclair/typebox'
import { FlowlineError } from '../../errors.ts'
import { definePipeline, type RunContext } from '../pipeline.ts'
import { type CleaningRules, cleanRecord } from './import/cleaning.ts'
import { readRecords } from './import/records.ts'
import { importRunPolicy, oneOf, sourceParams } from './import/source-params.ts'
import { openSource } from './import/sources.ts'
import {
  CopyChunker,
  cancelStagingStatements,
  copyIntoStaging,
  copyLine,
  createStaging,
  dropStaging,
  insertStagedLines,
  LINES_PER_INSERT,
  lastStagedLine,
  stagingTable,
  yieldBetweenChunks,
} from './import/staging.ts'
import { isTimeZone } from './import/timestamps.ts'

const column = (name: string) => Type.String({ minLength: 1, default: name, description: 'a column name' })
const Params = Type.Object({
  ...sourceParams,
  format: oneOf(['auto', 'csv', 'ndjson'], 'auto'),
  sensor_column: column('sensor_id'),
  temperature_column: column('temperature'),
  timestamp_column: column('timestamp'),
  unit_column: Type.Optional(Type.String({ minLength: 1, description: 'a column name' })),
  unit: oneOf(['C', 'F', 'K'], 'C'),
  timestamp_format: oneOf(['auto', 'iso', 'epoch_ms', 'epoch_s'], 'auto'),
  timezone: Type.Optional(Type.String({ minLength: 1, description: 'an IANA time zone, e.g. Europe/Paris' })),
  min_celsius: Type.Number({
    minimum: -273.15,
    maximum: 1000,
    default: -273.15,
    description: 'a number of °C',
  }),
  max_celsius: Type.Number({ minimum: -273.15, maximum: 1000, default: 1000, description: 'a number of °C' }),
})
type ImportParams = Static<typeof Params>

/**
 * Imports measurements from a CSV or NDJSON file or URL (gzip too): streamed, cleaned row by
 * row, rejects kept with their line and reason, valid rows copied into a staging table with
 * COPY, then moved into `measurements` with `INSERT ... ON CONFLICT DO NOTHING`.
 */
export const importMeasurements = definePipeline({
  name: 'import-measurements',
  description: 'CSV/NDJSON (gzip) file or URL → clean → COPY to staging → measurements, exactly once',
  params: Params,
  ...importRunPolicy,
  steps: [
    { name: 'extract-clean-stage', run: stage },
    { name: 'load', run: load },
  ],
  cleanup: (context) => dropStaging(context.storage, stagingTable(context.runId)),
})

/** The cleaning rules of an import's parameters, judged against the time the run starts. */
export function cleaningRules(params: ImportParams, nowMs = Date.now()): CleaningRules {
  return {
    sensorColumn: params.sensor_column,
    temperatureColumn: params.temperature_column,
    timestampColumn: params.timestamp_column,
    unitColumn: params.unit_column,
    unit: params.unit,
    timestampFormat: params.timestamp_format,
    timeZone: params.timezone,
    minCelsius: params.min_celsius,
    maxCelsius: params.max_celsius,
    futureToleranceMs: 5 * 60_000,
    nowMs,
  }
}

async function stage(context: RunContext<ImportParams>): Promise<void> {
  const { params, counts, signal } = context
  if (params.timezone !== undefined && !isTimeZone(params.timezone))
    throw new FlowlineError('VALIDATION_FAILED', `timezone: unknown time zone "${params.timezone}"`)
  const table = stagingTable(context.runId)
  await createStaging(context.storage, table)
  const source = await openSource(params, context.importDir, signal)
  context.log(
    `reading ${params.source} as ${source.format}${source.bytesTotal ? `, ${source.bytesTotal} bytes` : ''}`,
  )
  const rules = cleaningRules(params)
  const records = readRecords(source.stream, {
    format: source.format,
    delimiter: params.delimiter,
    requiredColumns: [rules.sensorColumn, rules.temperatureColumn, rules.timestampColumn],
  })
  // One generator from records to COPY chunks: every row is parsed, cleaned and written as a COPY
  // line in the same turn, and only whole chunks cross an await (a generator per stage cost a
  // promise per row each).
  async function* copyChunks(): AsyncGenerator<string> {
    const chunker = new CopyChunker()
    for await (const input of records) {
      counts.read++
      if ('error' in input) {
        context.reject(input.line, input.error, input.raw)
        continue
      }
      const cleaned = cleanRecord(input.record, rules)
      if (!cleaned.ok) {
        context.reject(input.line, cleaned.reason, input.raw)
        continue
      }
      counts.valid++
      const chunk = chunker.push(copyLine(cleaned.row, input.line))
      if (chunk !== undefined) {
        signal.throwIfAborted()
        context.progress(source.bytesRead(), source.bytesTotal)
        yield chunk
        // Parsing a buffered file resolves only promises, which would starve timers and sockets
        // (heartbeats, the queue's polls, the API) for as long as the file lasts: let them run.
        await yieldBetweenChunks()
      }
    }
    const rest = chunker.flush()
    if (rest !== undefined) yield rest
  }
  const started = performance.now()
  try {
    await copyIntoStaging(context.storage, table, copyChunks())
  } catch (error) {
    source.stream.destroy()
    throw signal.aborted ? (signal.reason ?? error) : error
  }
  context.progress(source.bytesRead(), source.bytesRead())
  const seconds = (performance.now() - started) / 1000
  context.log(
    `read ${counts.read} rows (${counts.valid} valid, ${counts.rejected} rejected) and staged them in ${seconds.toFixed(1)} s`,
  )
}

async function load(context: RunContext<ImportParams>): Promise<void> {
  const { counts, storage } = context
  const table = stagingTable(context.runId)
  const started = performance.now()
  const last = await lastStagedLine(storage, table)
  const onAbort = () => void cancelStagingStatements(storage, table)
  context.signal.addEventListener('abort', onAbort, { once: true })
  try {
    for (let from = 0; from <= last; from += LINES_PER_INSERT) {
      context.signal.throwIfAborted()
      counts.loaded += await insertStagedLines(storage, table, from, from + LINES_PER_INSERT)
      counts.duplicates = counts.valid - counts.loaded
    }
  } finally {
    context.signal.removeEventListener('abort', onAbort)
  }
  const seconds = (performance.now() - started) / 1000
  context.log(
    `loaded ${counts.loaded} rows into measurements in ${seconds.toFixed(1)} s; ${counts.duplicates} were there already or repeated in the file`,
  )
}
