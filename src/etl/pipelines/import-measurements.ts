import { type Static, Type } from '@sinclair/typebox'
import { FlowlineError } from '../../errors.ts'
import { definePipeline, type RunContext } from '../pipeline.ts'
import { ChunkLoader } from './import/chunk-loader.ts'
import { type CleaningRules, cleanRecord } from './import/cleaning.ts'
import { CopyChunker } from './import/copy-chunker.ts'
import { readRecordBatches } from './import/records.ts'
import { importRunPolicy, oneOf, sourceParams } from './import/source-params.ts'
import { openSource } from './import/sources.ts'
import {
  cancelStagingStatements,
  dropRunStaging,
  ROWS_PER_YIELD,
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
  steps: [{ name: 'extract-clean-load', run: extractCleanLoad }],
  cleanup: (context) => dropRunStaging(context.storage, context.runId),
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

/**
 * Reads, cleans and loads in one pass: each row is parsed, cleaned and written as a COPY line in
 * the same turn, and every ROWS_PER_CHUNK of them go to the loader, which COPYs and INSERTs them
 * while the next chunk is parsed. Memory holds a few chunks, never the file.
 */
async function extractCleanLoad(context: RunContext<ImportParams>): Promise<void> {
  const { params, counts, signal, storage } = context
  if (params.timezone !== undefined && !isTimeZone(params.timezone))
    throw new FlowlineError('VALIDATION_FAILED', `timezone: unknown time zone "${params.timezone}"`)
  const chunker = new CopyChunker()
  const loader = new ChunkLoader(
    storage,
    context.runId,
    (chunk) => chunker.release(chunk),
    (rows, inserted) => {
      counts.loaded += inserted
      counts.duplicates += rows - inserted
    },
  )
  await loader.create()
  const source = await openSource(params, context.importDir, signal)
  context.log(
    `reading ${params.source} as ${source.format}${source.bytesTotal ? `, ${source.bytesTotal} bytes` : ''}`,
  )
  const rules = cleaningRules(params)
  const batches = readRecordBatches(source.stream, {
    format: source.format,
    delimiter: params.delimiter,
    requiredColumns: [rules.sensorColumn, rules.temperatureColumn, rules.timestampColumn],
  })
  const started = performance.now()
  const onAbort = () => void cancelStagingStatements(storage, context.runId)
  signal.addEventListener('abort', onAbort, { once: true })
  try {
    for await (const batch of batches)
      for (const input of batch) {
        if (++counts.read % ROWS_PER_YIELD === 0) {
          await yieldBetweenChunks()
          signal.throwIfAborted()
        }
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
        const chunk = chunker.push(cleaned.row, input.line)
        if (chunk !== undefined) {
          context.progress(source.bytesRead(), source.bytesTotal)
          await loader.submit(chunk)
        }
      }
    const rest = chunker.flush()
    if (rest !== undefined) await loader.submit(rest)
    await loader.finish()
  } catch (error) {
    source.stream.destroy()
    await loader.settle()
    throw signal.aborted ? (signal.reason ?? error) : error
  } finally {
    signal.removeEventListener('abort', onAbort)
  }
  context.progress(source.bytesRead(), source.bytesRead())
  const seconds = (performance.now() - started) / 1000
  context.log(
    `read ${counts.read} rows (${counts.valid} valid, ${counts.rejected} rejected) and loaded ${counts.loaded} rows into measurements in ${seconds.toFixed(1)} s; ${counts.duplicates} were there already or repeated in the file`,
  )
}
