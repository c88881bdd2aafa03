/**
 * The CPU `SensorGate.admit` spends per ingest request with a warm cache, at batched ingest's
 * shape: `--sensors` registered sensors (default 20,000, what one load generator sends for),
 * requests of `--ids` distinct sensors (default 100), one after another, for `--duration` ms with
 * the production TTL (`--ttl`, 2000 ms) so that the cache's refreshes fall inside the window. The
 * registry is by default a fake in memory (a bench may; the tests use PostgreSQL): its rows read per second
 * and version scans (each a pass over all rows) per second are the SQL the same traffic would cost,
 * and the CPU includes building its answers, not pg's.
 *
 *   npx node bench/sensor-gate.bench.ts [--sensors 20000] [--ids 100] [--duration 6000] [--ttl 2000] [--rounds 3]
 *     [--change-every 0]   (ms between changes of the registry, none by default)
 *     [--registry memory|postgres]   (postgres: the real repository on a scratch database of 5433;
 *                                     the CPU then includes pg's, PostgreSQL's own is not counted)
 */
import { setImmediate as tick } from 'node:timers/promises'
import { parseArgs } from 'node:util'
import { sql } from 'kysely'
import { SHARED_DATABASE_URL, scratchDatabase } from '../harness/index.ts'
import type { Principal } from '../src/auth/access.ts'
import { RegistryRepository, type SensorAdmission } from '../src/registry/registry-repository.ts'
import { SensorGate } from '../src/registry/sensor-gate.ts'
import { PostgresStorage } from '../src/storage/postgres-storage.ts'

const { values: args } = parseArgs({
  options: {
    sensors: { type: 'string', default: '20000' },
    ids: { type: 'string', default: '100' },
    duration: { type: 'string', default: '6000' },
    ttl: { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '3' },
    /** Change the registry this often (ms; 0: never), as registrations or edits would. */
    'change-every': { type: 'string', default: '0' },
    /** memory: the fake below; postgres: RegistryRepository on a scratch database of 5433. */
    registry: { type: 'string', default: 'memory' },
  },
})
const sensorCount = Number(args.sensors)
const idsPerRequest = Number(args.ids)
const durationMs = Number(args.duration)
const ttlMs = Number(args.ttl)
const rounds = Number(args.rounds)
const changeEveryMs = Number(args['change-every'])

interface Counts {
  queries: number
  rowsRead: number
  /** Statements that compute the registry's version: a scan of all its rows each. */
  versionChecks: number
}

interface BenchRegistry extends Counts {
  readonly repository: RegistryRepository
  /** Changes one sensor the requests do not name. */
  change(): void
  close(): Promise<void>
}

/** The registry in a Map; counts what PostgreSQL would be asked. */
class FakeRegistry implements Counts {
  readonly rows = new Map<string, SensorAdmission>()
  queries = 0
  rowsRead = 0
  /** Statements that compute the registry's version: a scan of all its rows each. */
  versionChecks = 0
  /** Bumped by each change (none of which touches the rows the bench sends for). */
  version = 0

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

  /** Like `admissions`, with the version of the same snapshot (PostgreSQL scans the registry for it). */
  async versionedAdmissions(
    ids: readonly string[],
  ): Promise<{ found: Map<string, SensorAdmission>; version: string }> {
    const found = await this.admissions(ids)
    this.versionChecks += 1
    return { found, version: String(this.version) }
  }

  /** PostgreSQL would scan the registry. */
  async admissionsVersion(): Promise<string> {
    await tick()
    this.versionChecks += 1
    return String(this.version)
  }

  async registerAuto(): Promise<void> {
    throw new Error('every sensor of this bench is registered')
  }
}

function inMemory(): BenchRegistry {
  const fake = new FakeRegistry(sensorCount)
  return Object.assign(fake, {
    repository: fake as unknown as RegistryRepository,
    change: () => void fake.version++,
    close: async () => {},
  })
}

/** The real repository on a scratch database of the shared PostgreSQL, counted. */
async function onPostgres(): Promise<BenchRegistry> {
  const database = await scratchDatabase(SHARED_DATABASE_URL, {
    prefix: 'bench_sensorgate',
  })
  const storage = new PostgresStorage({ connectionString: database.url })
  await storage.migrate()
  await sql`INSERT INTO sensor_registry (sensor_id, tags)
    SELECT 'sensor-' || i, ARRAY[CASE WHEN i % 2 = 0 THEN 'even' ELSE 'odd' END, 'fleet']
      FROM generate_series(0, ${sensorCount - 1}::int) i`.execute(storage.db)
  await sql`INSERT INTO sensor_registry (sensor_id) VALUES ('changing')`.execute(storage.db)
  const real = new RegistryRepository(storage.db)
  let changes = 0
  const counted: BenchRegistry = {
    queries: 0,
    rowsRead: 0,
    versionChecks: 0,
    repository: {
      admissions: async (ids: readonly string[]) => {
        const found = await real.admissions(ids)
        counted.queries += 1
        counted.rowsRead += found.size
        return found
      },
      versionedAdmissions: async (ids: readonly string[], seed: string) => {
        const read = await real.versionedAdmissions(ids, seed)
        counted.queries += 1
        counted.rowsRead += read.found.size
        counted.versionChecks += 1
        return read
      },
      admissionsVersion: async (seed: string) => {
        counted.versionChecks += 1
        return real.admissionsVersion(seed)
      },
    } as unknown as RegistryRepository,
    change: () => {
      changes += 1
      void sql`UPDATE sensor_registry SET tags = ARRAY[${String(changes)}] WHERE sensor_id = 'changing'`.execute(
        storage.db,
      )
    },
    close: async () => {
      await storage.close()
      await database.drop()
    },
  }
  return counted
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
  `SensorGate.admit: ${sensorCount} sensors, ${idsPerRequest} ids a request, TTL ${ttlMs} ms, ${durationMs} ms a round` +
    `${changeEveryMs > 0 ? `, the registry changed every ${changeEveryMs} ms` : ''}\n`,
)
for (let round = 1; round <= rounds; round++)
  for (const [name, principal] of cases) {
    const registry = args.registry === 'postgres' ? await onPostgres() : inMemory()
    const gate = new SensorGate({
      registry: registry.repository,
      policy: 'reject',
      cacheTtlMs: ttlMs,
    })
    for (const ids of requests) await gate.admit(principal, ids) // every sensor cached once
    // Warm-up past 1.5 TTL, so that the window sees the steady state: the first refreshes are done.
    const warmStarted = performance.now()
    for (let i = 0; performance.now() - warmStarted < ttlMs * 1.5; i++) {
      await gate.admit(principal, requests[i % requests.length] as Set<string>)
      if (i % 10 === 0) await tick()
    }
    const changes = changeEveryMs > 0 ? setInterval(() => registry.change(), changeEveryMs) : undefined
    const queriesBefore = registry.queries
    const rowsBefore = registry.rowsRead
    const checksBefore = registry.versionChecks
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
    clearInterval(changes)
    const cpu = process.cpuUsage(cpuStarted)
    process.stdout.write(
      `round ${round}, ${name}: ${((cpu.user + cpu.system) / done).toFixed(3)} µs CPU per request, ` +
        `${((seconds * 1e6) / done).toFixed(3)} µs wall (${done} requests); registry: ` +
        `${((registry.queries - queriesBefore) / seconds).toFixed(1)} queries/s, ` +
        `${Math.round((registry.rowsRead - rowsBefore) / seconds)} rows/s read, ` +
        `${((registry.versionChecks - checksBefore) / seconds).toFixed(1)} version scans/s\n`,
    )
    await registry.close()
  }
