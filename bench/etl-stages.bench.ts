/**
 * Where an import spends its time, stage by stage, on one generated CSV in this process: CPU µs
 * per row to parse (csv-parse), clean, build the COPY text, and wall µs and CPU µs of the
 * PostgreSQL backends (from /proc) per row of the COPY into staging and of the INSERT from staging
 * into `measurements`, each apart. Measures CPU time,
 * not wall time, for the in-process stages, so a shared machine skews it less.
 *
 *   node bench/etl-stages.bench.ts 500000
 */
import { createReadStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import { cpuSecondsOf, SHARED_DATABASE_URL, scratchDatabase } from '../harness/index.ts'
import { validateParams } from '../src/etl/params.ts'
import { type CleanRow, cleanRecord } from '../src/etl/pipelines/import/cleaning.ts'
import { type CopyChunk, CopyChunker } from '../src/etl/pipelines/import/copy-chunker.ts'
import { readRecords } from '../src/etl/pipelines/import/records.ts'
import { copyIntoStaging, createStaging, moveStagedRows } from '../src/etl/pipelines/import/staging.ts'
import { cleaningRules, importMeasurements } from '../src/etl/pipelines/import-measurements.ts'
import { PostgresStorage } from '../src/storage/postgres-storage.ts'
import { writeBenchCsv } from './lib/etl-csv.ts'

const DATABASE_URL = SHARED_DATABASE_URL
const rows = Number(process.argv[2] ?? 500_000)
// The defaults of the pipeline's parameters, as a run with only `source` gets them.
const rules = cleaningRules(
  validateParams(importMeasurements.name, importMeasurements.params, { source: 'stages.csv' }) as Parameters<
    typeof cleaningRules
  >[0],
)

const cpuUs = () => {
  const usage = process.cpuUsage()
  return usage.user + usage.system
}
const report = (stage: string, us: number, what = 'CPU') =>
  process.stdout.write(`${stage.padEnd(22)} ${(us / rows).toFixed(2).padStart(8)} µs/row (${what})\n`)

/** CPU time of the server processes serving this (scratch) database, from /proc (same machine). */
async function backendsCpuUs(storage: PostgresStorage): Promise<number> {
  const { rows: backends } = await sql<{ pid: number }>`
    SELECT pid FROM pg_stat_activity WHERE datname = current_database()`.execute(storage.db)
  return backends.reduce((sum, { pid }) => sum + cpuSecondsOf(pid), 0) * 1e6
}

const dir = await mkdtemp(join(tmpdir(), 'flowline-etl-stages-'))
const file = join(dir, 'stages.csv')
await writeBenchCsv(file, rows)
const { url, drop } = await scratchDatabase(DATABASE_URL, {})
const storage = new PostgresStorage({ connectionString: url })
try {
  await storage.migrate()
  const csv = () =>
    readRecords(createReadStream(file), { format: 'csv', delimiter: ',', requiredColumns: [] })

  let started = cpuUs()
  let n = 0
  for await (const _ of csv()) n++
  const parseUs = cpuUs() - started
  report('parse', parseUs)

  started = cpuUs()
  const cleaned: { row: CleanRow; line: number }[] = []
  for await (const input of csv())
    if ('record' in input) {
      const result = cleanRecord(input.record, rules)
      if (result.ok) cleaned.push({ row: result.row, line: input.line })
    }
  report('clean', cpuUs() - started - parseUs)

  started = cpuUs()
  const chunks: CopyChunk[] = []
  const chunker = new CopyChunker()
  for (const { row, line } of cleaned) {
    const chunk = chunker.push(row, line)
    if (chunk !== undefined) chunks.push(chunk)
  }
  const rest = chunker.flush()
  if (rest) chunks.push(rest)
  report('copy text', cpuUs() - started)

  // As the pipeline loads them, one slot: each chunk COPYed into staging, then moved from it.
  await createStaging(storage, 'etl_stage_bench')
  let copyWall = 0
  let copyCpu = 0
  let moveWall = 0
  let copyServer = 0
  let moveServer = 0
  let loaded = 0
  for (const chunk of chunks) {
    let wall = performance.now()
    started = cpuUs()
    let server = await backendsCpuUs(storage)
    await copyIntoStaging(storage, 'etl_stage_bench', chunk.bytes)
    copyCpu += cpuUs() - started
    copyWall += performance.now() - wall
    const copied = await backendsCpuUs(storage)
    copyServer += copied - server
    server = copied
    wall = performance.now()
    loaded += await moveStagedRows(storage, 'etl_stage_bench')
    moveWall += performance.now() - wall
    moveServer += (await backendsCpuUs(storage)) - server
  }
  report('COPY (this process)', copyCpu)
  report('COPY (wall)', copyWall * 1000, 'wall')
  report('COPY (server)', copyServer, 'CPU of the PostgreSQL backends')
  report('insert from staging', moveServer, 'CPU of the PostgreSQL backends')
  report('insert from staging', moveWall * 1000, 'wall')
  process.stdout.write(`${n} rows read, ${cleaned.length} clean, ${loaded} loaded\n`)
} finally {
  await storage.close()
  await drop()
  await rm(dir, { recursive: true, force: true })
}
