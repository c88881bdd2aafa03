/**
 * Benchmark of the import pipeline: generates CSVs of the given row counts, imports each with a
 * `flowline etl worker` process on a scratch database, and prints rows/s beside the COPY ceiling
 * measured on the same file in the same run (psql \copy into an unlogged table), and the worker's
 * peak RSS (VmHWM) per size, to show whether memory stays flat as the file grows, and the CPU per
 * row of the worker and of the PostgreSQL backends serving it (shared machines skew rows/s less).
 *
 *   node bench/etl-import.bench.ts 1000000 4000000     # row counts (about 40 bytes a row: 25000000 is 1 GB)
 */
import { execFileSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { authHeaders } from '../harness/credentials.ts'
import { cpuSecondsOf, memoryOf, SHARED_DATABASE_URL, scratchDatabase, startRole } from '../harness/index.ts'
import { writeBenchCsv } from './lib/etl-csv.ts'

const DATABASE_URL = SHARED_DATABASE_URL
const sizes = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => n > 0)
if (sizes.length === 0) sizes.push(200_000, 800_000)

function copyCeiling(url: string, file: string): number {
  execFileSync('psql', [
    url,
    '-qc',
    'CREATE UNLOGGED TABLE copy_ceiling (sensor_id text, temperature float8, ts timestamptz)',
  ])
  const started = performance.now()
  execFileSync('psql', [url, '-qc', `\\copy copy_ceiling FROM '${file}' WITH (FORMAT csv, HEADER true)`])
  const seconds = (performance.now() - started) / 1000
  execFileSync('psql', [url, '-qc', 'DROP TABLE copy_ceiling'])
  return seconds
}

/** CPU seconds (user + system) the processes of `pids` have used so far, from /proc (same machine). */
const cpuSeconds = (pids: readonly number[]) => pids.reduce((sum, pid) => sum + cpuSecondsOf(pid), 0)

/** The server processes serving the database of `url` now (the worker's connections, still open). */
function backendPids(url: string): number[] {
  return execFileSync('psql', [
    url,
    '-Atc',
    'SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
  ])
    .toString()
    .split('\n')
    .filter(Boolean)
    .map(Number)
}

async function importWithWorker(url: string, dir: string, file: string) {
  const worker = await startRole('etl worker', {
    flags: { 'database-url': url, 'etl-import-dir': dir, 'log-level': 'warn' },
    startTimeoutMs: 120_000,
  })
  const base = worker.url
  try {
    const run = (await (
      await fetch(`${base}/etl/runs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...authHeaders() },
        body: JSON.stringify({ pipeline: 'import-measurements', params: { source: file } }),
      })
    ).json()) as { id: string }
    for (let i = 0; i < 36_000; i++) {
      const view = (await (await fetch(`${base}/etl/runs/${run.id}`, { headers: authHeaders() })).json()) as {
        status: string
        duration_ms: number
        counts: { loaded: number; read: number }
        error: string | null
      }
      if (['succeeded', 'failed', 'cancelled'].includes(view.status)) {
        const pid = worker.pid ?? -1
        return {
          ...view,
          peakRssMb: Math.round((memoryOf(pid)?.hwmKb ?? 0) / 1024),
          workerCpuS: cpuSecondsOf(pid),
          backendsCpuS: cpuSeconds(backendPids(url)),
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 500))
    }
    throw new Error('the import did not finish in 5 hours')
  } finally {
    await worker.stop()
  }
}

const dir = await mkdtemp(join(tmpdir(), 'flowline-etl-bench-'))
try {
  for (const rows of sizes) {
    const file = `bench-${rows}.csv`
    const bytes = await writeBenchCsv(join(dir, file), rows)
    const { url, drop } = await scratchDatabase(DATABASE_URL, {})
    try {
      // The worker migrates the database at start; the ceiling is measured right after the import.
      const run = await importWithWorker(url, dir, file)
      const ceilingS = copyCeiling(url, join(dir, file))
      const seconds = run.duration_ms / 1000
      process.stdout.write(
        `${rows} rows (${(bytes / 1e6).toFixed(1)} MB): ${run.status}, loaded ${run.counts.loaded} in ${seconds.toFixed(1)} s = ` +
          `${Math.round(rows / seconds)} rows/s; COPY ceiling ${Math.round(rows / ceilingS)} rows/s ` +
          `(${(rows / seconds / (rows / ceilingS)).toFixed(2)}×); worker peak RSS ${run.peakRssMb} MB; CPU µs/row: ` +
          `worker ${((run.workerCpuS * 1e6) / rows).toFixed(1)}, PostgreSQL ${((run.backendsCpuS * 1e6) / rows).toFixed(1)} ` +
          `(its backends still connected at the end); load ${loadavg()[0]?.toFixed(2)}\n`,
      )
    } finally {
      await drop()
      await rm(join(dir, file), { force: true })
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true })
}
