/**
 * The CPU `SensorGate.admit` spends per ingest request with a warm cache, at batched ingest's
 * shape: `--sensors` registered sensors (default 20,000, what one load generator sends for),
 * requests of `--ids` distinct sensors (default 100), one after another, for `--duration` ms with
 * the production TTL (`--ttl`, 2000 ms) so that the cache's refreshes fall inside the window. The
 * registry is a fake in memory (a bench may; the tests use PostgreSQL): its rows read per second
 * are the SQL the same traffic would cost, and the CPU includes building its answers, not pg's.
 *
 *   npx node bench/sensor-gate.bench.ts [--sensors 20000] [--ids 100] [--duration 6000] [--ttl 2000] [--rounds 3]
 */
import { setImmediate as tick } from 'node:timers/promises'
import { parseArgs } from 'node:util'
import type { Principal } from '../src/auth/access.ts'
import type { RegistryRepository, SensorAdmission } from '../src/registry/registry-repository.ts'
import { SensorGate } from '../src/registry/sensor-gate.ts'

const { values: args } = parseArgs({
  options: {
    sensors: { type: 'string', default: '20000' },
    ids: { type: 'string', default: '100' },
    duration: { type: 'string', default: '6000' },
    ttl: { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '3' },
  },
})
const sensorCount = Number(args.sensors)
const idsPerRequest = Number(args.ids)
const durationMs = Number(args.duration)
const ttlMs = Number(args.ttl)
const rounds = Number(args.rounds)

/** The registry in a Map; counts what PostgreSQL would be asked. */
class FakeRegistry {
  readonly rows = new Map<string, SensorAdmission>()
  queries = 0
  rowsRead = 0

  constructor(count: number) {
    for (let i = 0; i < count; i++)
      this.rows.set(`sensor-${i}`, { status: 'active', tags: [i % 2 === 0 ? 'even' : 'odd', 'fleet'] })
  }

  async admissions(ids: readonly string[]): Promise<Map<string, SensorAdmission>> {
    await tick()
    this.queries += 1
    const found = new Map<string, SensorAdmission>()
    for (const id of ids) {
      const row = this.rows.get(id)
      if (row) found.set(id, { status: row.status, tags: [...row.tags] })
    }
    this.rowsRead += found.size
    return found
  }

  async registerAuto(): Promise<void> {
    throw new Error('every sensor of this bench is registered')
  }
}

// The requests, built once: ingest builds its Set per request whether or not the gate runs.
const requests: Set<string>[] = []
for (let start = 0; start < sensorCount; start += idsPerRequest) {
  const ids = new Set<string>()
  for (let i = start; i < Math.min(start + idsPerRequest, sensorCount); i++) ids.add(`sensor-${i}`)
  requests.push(ids)
}

const tagScoped: Principal = {
  kind: 'device',
  name: 'bench',
  role: undefined,
  scope: { sensorIds: undefined, tag: 'fleet' },
}
const cases: [string, Principal | undefined][] = [
  ['no scope (auth off, API key, user)', undefined],
  ['device token scoped to a tag', tagScoped],
]

process.stdout.write(
  `SensorGate.admit: ${sensorCount} sensors, ${idsPerRequest} ids a request, TTL ${ttlMs} ms, ${durationMs} ms a round\n`,
)
for (let round = 1; round <= rounds; round++)
  for (const [name, principal] of cases) {
    const registry = new FakeRegistry(sensorCount)
    const gate = new SensorGate({
      registry: registry as unknown as RegistryRepository,
      policy: 'reject',
      cacheTtlMs: ttlMs,
    })
    for (const ids of requests) await gate.admit(principal, ids) // every sensor cached once
    for (let i = 0; i < requests.length * 20; i++) {
      await gate.admit(principal, requests[i % requests.length] as Set<string>)
      if (i % 10 === 0) await tick()
    }
    const queriesBefore = registry.queries
    const rowsBefore = registry.rowsRead
    const cpuStarted = process.cpuUsage()
    const started = performance.now()
    let done = 0
    while (performance.now() - started < durationMs) {
      // 1,000 requests between clock reads; a turn of the event loop every 10 requests, as a
      // server's I/O gives, so the cache's batched reads (setImmediate) run when due.
      for (let i = 0; i < 1000; i++) {
        await gate.admit(principal, requests[done % requests.length] as Set<string>)
        done += 1
        if (done % 10 === 0) await tick()
      }
    }
    const seconds = (performance.now() - started) / 1000
    const cpu = process.cpuUsage(cpuStarted)
    process.stdout.write(
      `round ${round}, ${name}: ${((cpu.user + cpu.system) / done).toFixed(3)} µs CPU per request, ` +
        `${((seconds * 1e6) / done).toFixed(3)} µs wall (${done} requests); registry: ` +
        `${((registry.queries - queriesBefore) / seconds).toFixed(1)} queries/s, ` +
        `${Math.round((registry.rowsRead - rowsBefore) / seconds)} rows/s\n`,
    )
  }
