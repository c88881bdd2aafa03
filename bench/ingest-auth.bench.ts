/**
 * What authentication costs ingest: two `flowline ingest` processes on the same Kafka topic and
 * database, one with `--auth on` (each request carries an API key: cache lookup + SHA-256) and one
 * with `--auth off`, loaded in turn (A/B, B/A, ...) by the bench's load generator, closed loop.
 * Both run the registry check (`--unknown-sensors register`), so the difference is the credential
 * alone. Nothing consumes the topic: this is ingest's own throughput (202 = Kafka acknowledged).
 * Besides measurements/s it reports the ingest process's CPU per accepted measurement: on a
 * CPU-bound ingest that is the inverse of its capacity, and it varies far less between rounds than a
 * closed-loop rate that shares two cores with the generator and the broker.
 *
 *   node bench/ingest-auth.bench.ts [--rounds 2] [--duration 8] [--batches 1,100] [--connections 32]
 *
 * Uses the shared Kafka (127.0.0.1:9092) and PostgreSQL (127.0.0.1:5433) with a scratch topic and
 * database. On a shared machine, read the A/B difference, not the absolute figures.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import {
  cpuSecondsOf,
  createRole,
  loadAverage,
  type RoleProcess,
  SHARED_DATABASE_URL,
  SHARED_KAFKA_BROKERS,
  scratchDatabase,
  uniqueName,
} from '../harness/index.ts'
import { startLoad } from './lib/load.ts'

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '2' },
    duration: { type: 'string', default: '8' },
    batches: { type: 'string', default: '1,100' },
    connections: { type: 'string', default: '32' },
    out: { type: 'string', default: 'bench/results' },
  },
})
const rounds = Number(values.rounds)
const durationS = Number(values.duration)
const batches = values.batches.split(',').map(Number)
const connections = Number(values.connections)

const database = await scratchDatabase(SHARED_DATABASE_URL, {
  prefix: 'bench_auth',
})
const topic = uniqueName('bench_auth')
const common = {
  kafka: SHARED_KAFKA_BROKERS.join(','),
  topic,
  'errors-topic': `${topic}_errors`,
  'database-url': database.url,
  'log-level': 'warn',
}
const started: RoleProcess[] = []
async function start(auth: 'on' | 'off'): Promise<RoleProcess> {
  // A busy shared machine can take minutes to migrate a fresh database.
  const role = await createRole('ingest', {
    label: `ingest-auth-${auth}`,
    flags: { ...common, auth },
    startTimeoutMs: 300_000,
  })
  started.push(role)
  await role.start()
  return role
}

interface Sample {
  readonly batch: number
  readonly round: number
  readonly auth: 'on' | 'off'
  readonly measurementsPerS: number
  readonly p99Ms: number
  readonly non202: number
  readonly statuses: Record<string, number>
  /** Ingest CPU µs per accepted measurement over the whole round (warm-up included). */
  readonly cpuUsPerMeasurement: number
  readonly load1: number
}
const samples: Sample[] = []
try {
  const roles = { on: await start('on'), off: await start('off') }
  for (const batch of batches)
    for (let round = 1; round <= rounds; round++) {
      const order: ('on' | 'off')[] = round % 2 === 1 ? ['on', 'off'] : ['off', 'on']
      for (const auth of order) {
        const pid = roles[auth].pid
        if (pid === undefined) throw new Error(`ingest (auth ${auth}) is not running`)
        const cpuBefore = cpuSecondsOf(pid)
        const load = startLoad({
          url: roles[auth].url,
          batch,
          connections,
          ratePerS: 0,
          warmupS: 2,
          durationS,
          processes: 1,
          sensorsPerProcess: 1000,
          sensorPrefix: `b${batch}-`,
        })
        const result = await load.done
        const cpuS = cpuSecondsOf(pid) - cpuBefore
        const non202 = Object.entries(result.statuses)
          .filter(([status]) => status !== '202')
          .reduce((sum, [, n]) => sum + n, 0)
        const sample = {
          batch,
          round,
          auth,
          measurementsPerS: Math.round(result.acceptedRatePerS),
          p99Ms: result.http.p99,
          non202,
          statuses: result.statuses,
          cpuUsPerMeasurement: result.accepted > 0 ? Math.round((cpuS / result.accepted) * 1e7) / 10 : 0,
          load1: loadAverage()[0] ?? 0,
        }
        samples.push(sample)
        process.stderr.write(`${JSON.stringify(sample)}\n`)
      }
    }
} finally {
  await Promise.all(started.map((role) => role.kill()))
  await database.drop()
}

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2
}
const pick = (batch: number, auth: 'on' | 'off', value: (sample: Sample) => number) =>
  samples.filter((s) => s.batch === batch && s.auth === auth).map(value)
/** Which statuses the non-202 answers were, per batch and variant, e.g. " (batch 100 on: 503 × 12)". */
function nonAcceptedDetail(): string {
  const parts = samples.flatMap((s) =>
    Object.entries(s.statuses)
      .filter(([status]) => status !== '202')
      .map(([status, n]) => `batch ${s.batch} ${s.auth} round ${s.round}: ${status} × ${n}`),
  )
  return parts.length > 0 ? ` (${parts.join('; ')})` : ''
}
const lines = [
  `# Ingest with auth on vs off (${new Date().toISOString()})`,
  '',
  `Interleaved A/B on a shared machine (1-min load average ${samples.map((s) => s.load1.toFixed(0)).join(', ')} at the samples): ${rounds} rounds of ${durationS} s per variant and batch, ${connections} connections, closed loop, one generator process, 1,000 sensors.`,
  '',
  '| batch | auth on (measurements/s, each round) | auth off | median on / off |',
  '| --- | --- | --- | --- |',
  ...batches.map((batch) => {
    const on = pick(batch, 'on', (s) => s.measurementsPerS)
    const off = median(pick(batch, 'off', (s) => s.measurementsPerS))
    // A median of 0 (nothing answered within a round on an overloaded machine) gives no ratio.
    const ratio = off > 0 ? `${((median(on) / off) * 100).toFixed(1)} %` : 'n/a (off median 0)'
    return `| ${batch} | ${on.join(', ')} | ${pick(batch, 'off', (s) => s.measurementsPerS).join(', ')} | ${ratio} |`
  }),
  '',
  'Ingest CPU per accepted measurement (µs; the capacity cost of auth is 1 − off / on):',
  '',
  '| batch | auth on (µs, each round) | auth off | median on | median off | capacity cost of auth |',
  '| --- | --- | --- | --- | --- | --- |',
  ...batches.map((batch) => {
    const on = pick(batch, 'on', (s) => s.cpuUsPerMeasurement)
    const off = pick(batch, 'off', (s) => s.cpuUsPerMeasurement)
    const cost = median(on) > 0 ? `${((1 - median(off) / median(on)) * 100).toFixed(1)} %` : 'n/a'
    return `| ${batch} | ${on.join(', ')} | ${off.join(', ')} | ${median(on)} | ${median(off)} | ${cost} |`
  }),
  '',
  `Non-202 answers: ${samples.reduce((sum, s) => sum + s.non202, 0)}${nonAcceptedDetail()}.`,
]
const file = join(values.out, `ingest-auth-${new Date().toISOString().slice(0, 16).replace(/:/g, '-')}.md`)
writeFileSync(file, `${lines.join('\n')}\n`)
process.stdout.write(`${lines.join('\n')}\n\nwritten to ${file}\n`)
