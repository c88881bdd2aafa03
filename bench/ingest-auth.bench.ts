/**
 * What authentication costs ingest: two `flowline ingest` processes on the same Kafka topic and
 * database, one with `--auth on` (each request carries an API key: cache lookup + SHA-256) and one
 * with `--auth off`, loaded in turn (A/B, B/A, ...) by the bench's load generator, closed loop.
 * Both run the registry check (`--unknown-sensors register`), so the difference is the credential
 * alone. Nothing consumes the topic: this is ingest's own throughput (202 = Kafka acknowledged).
 *
 *   node bench/ingest-auth.bench.ts [--rounds 2] [--duration 8] [--batches 1,100] [--connections 32]
 *
 * Uses the shared Kafka (127.0.0.1:9092) and PostgreSQL (127.0.0.1:5433) with a scratch topic and
 * database. On a shared machine, read the A/B difference, not the absolute figures.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { createRole, loadAverage, type RoleProcess, scratchDatabase, uniqueName } from '../harness/index.ts'
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

const database = await scratchDatabase('postgres://flowline:flowline@127.0.0.1:5433/flowline', {
  prefix: 'bench_auth',
})
const topic = uniqueName('bench_auth')
const common = {
  kafka: '127.0.0.1:9092',
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
  readonly load1: number
}
const samples: Sample[] = []
try {
  const roles = { on: await start('on'), off: await start('off') }
  for (const batch of batches)
    for (let round = 1; round <= rounds; round++) {
      const order: ('on' | 'off')[] = round % 2 === 1 ? ['on', 'off'] : ['off', 'on']
      for (const auth of order) {
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
const lines = [
  `# Ingest with auth on vs off (${new Date().toISOString()})`,
  '',
  `Interleaved A/B on a shared machine (1-min load average ${samples.map((s) => s.load1.toFixed(0)).join(', ')} at the samples): ${rounds} rounds of ${durationS} s per variant and batch, ${connections} connections, closed loop, one generator process, 1,000 sensors.`,
  '',
  '| batch | auth on (measurements/s, each round) | auth off | median on / off |',
  '| --- | --- | --- | --- |',
  ...batches.map((batch) => {
    const of = (auth: 'on' | 'off') =>
      samples.filter((s) => s.batch === batch && s.auth === auth).map((s) => s.measurementsPerS)
    const off = median(of('off'))
    // A median of 0 (nothing answered within a round on an overloaded machine) gives no ratio.
    const ratio = off > 0 ? `${((median(of('on')) / off) * 100).toFixed(1)} %` : 'n/a (off median 0)'
    return `| ${batch} | ${of('on').join(', ')} | ${of('off').join(', ')} | ${ratio} |`
  }),
  '',
  `Non-202 answers: ${samples.reduce((sum, s) => sum + s.non202, 0)}.`,
]
const file = join(values.out, `ingest-auth-${new Date().toISOString().slice(0, 16).replace(/:/g, '-')}.md`)
writeFileSync(file, `${lines.join('\n')}\n`)
process.stdout.write(`${lines.join('\n')}\n\nwritten to ${file}\n`)
