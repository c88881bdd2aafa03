/**
 * The CPU an ingest request spends on authentication, warm cache: `Authenticator.authenticate`
 * for an API key and a scoped device token, and `SensorGate.admit` (which runs with auth on and
 * off alike) for a request of one sensor. One process, calls one after another, on a scratch
 * database of the shared PostgreSQL; the figure is per call, so compare it with ingest's own CPU
 * per request (about 40 µs across the pipeline for one measurement per request, README Performance).
 *
 *   node bench/auth-cost.bench.ts [--calls 200000]
 */
import { parseArgs } from 'node:util'
import { SHARED_DATABASE_URL, scratchDatabase } from '../harness/index.ts'
import { Authenticator } from '../src/auth/authenticator.ts'
import { CredentialsRepository } from '../src/auth/credentials-repository.ts'
import { SessionTokens } from '../src/auth/session-tokens.ts'
import { RegistryRepository } from '../src/registry/registry-repository.ts'
import { SensorGate } from '../src/registry/sensor-gate.ts'
import { PostgresStorage } from '../src/storage/postgres-storage.ts'

const { values } = parseArgs({ options: { calls: { type: 'string', default: '200000' } } })
const calls = Number(values.calls)
const database = await scratchDatabase(SHARED_DATABASE_URL, {
  prefix: 'bench_authcost',
})
const storage = new PostgresStorage({ connectionString: database.url })
try {
  await storage.migrate()
  const credentials = new CredentialsRepository(storage.db)
  const authenticator = new Authenticator({
    credentials,
    sessions: new SessionTokens(async () => 'x'.repeat(32), 3600),
    cacheTtlMs: 5000,
  })
  const apiKey = (await credentials.createToken({ kind: 'api_key', name: 'bench', role: 'admin' }, 'bench'))
    .token
  const device = (
    await credentials.createToken({ kind: 'device', name: 'bench', sensorIds: ['s1'] }, 'bench')
  ).token
  const gate = new SensorGate({
    registry: new RegistryRepository(storage.db),
    policy: 'register',
    cacheTtlMs: 5000,
  })
  const sensors = new Set(['s1'])
  const cases: [string, () => Promise<unknown>][] = [
    ['authenticate (API key)', () => authenticator.authenticate(`Bearer ${apiKey}`, undefined)],
    ['authenticate (device token)', () => authenticator.authenticate(`Bearer ${device}`, undefined)],
    ['registry gate, 1 sensor (auth on and off)', async () => gate.admit(undefined, sensors)],
  ]
  for (const [name, call] of cases) {
    if (!(await call()) && !name.startsWith('registry')) throw new Error(`${name}: refused`)
    // Warm-up inside the cache TTL, then the measured calls (well under the 5 s TTL each).
    for (let i = 0; i < 10_000; i++) await call()
    const started = process.hrtime.bigint()
    const cpuStarted = process.cpuUsage()
    const deadline = Date.now() + 4000
    let done = 0
    while (done < calls && Date.now() < deadline) {
      await call()
      done += 1
    }
    const wallNs = Number(process.hrtime.bigint() - started)
    const cpu = process.cpuUsage(cpuStarted)
    process.stdout.write(
      `${name}: ${(wallNs / done / 1000).toFixed(2)} µs wall, ${((cpu.user + cpu.system) / done).toFixed(2)} µs CPU per call (${done} calls)\n`,
    )
  }
} finally {
  await storage.close()
  await database.drop()
}
