import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { authHeaders, createRole, freePortRange, query, type RoleProcess } from '../../harness/index.ts'
import { CredentialsRepository } from '../../src/auth/credentials-repository.ts'
import { PostgresStorage } from '../../src/storage/postgres-storage.ts'
import { unauthenticatedSweep } from '../lib/auth-sweep.ts'
import { waitUntilStored } from '../lib/checker.ts'
import { adminCases, type FuzzCase, ingestCases } from '../lib/fuzz-cases.ts'
import type { LoadGenerator } from '../lib/load-generator.ts'
import { rawRequest } from '../lib/raw-http.ts'
import type { Scenario } from '../lib/scenario.ts'
import type { ScenarioRun } from '../lib/scenario-run.ts'
import { fuzzOpenApi } from '../lib/schemathesis.ts'

const BODY_LIMIT = 1024 * 1024

/** A new admin API key, stored as `flowline tokens create --role admin` stores one. */
async function freshAdminKey(databaseUrl: string): Promise<string> {
  const storage = new PostgresStorage({ connectionString: databaseUrl, maxConnections: 1 })
  try {
    const spec = { kind: 'api_key', name: 'fault scenario 10 canary', role: 'admin' } as const
    return (await new CredentialsRepository(storage.db).createToken(spec, 'fault-suite')).token
  } finally {
    await storage.close()
  }
}

/** The body limits, with measurements of the history: what is accepted must be stored, what is refused must not. */
async function bodyLimits(run: ScenarioRun, load: LoadGenerator): Promise<void> {
  const items = run.source.take(4000)
  const array = JSON.stringify(
    items.map((m) => ({
      sensor_id: m.sensor,
      temperature: m.temperature,
      timestamp: new Date(m.tsMs).toISOString(),
    })),
  )
  const atLimit = await load.sendNow(items, array.padEnd(BODY_LIMIT, ' '))
  const over = run.source.take(4000)
  const overBody = JSON.stringify(
    over.map((m) => ({
      sensor_id: m.sensor,
      temperature: m.temperature,
      timestamp: new Date(m.tsMs).toISOString(),
    })),
  ).padEnd(BODY_LIMIT + 1, ' ')
  const overLimit = await load.sendNow(over, overBody)
  const tooMany = await load.sendNow(run.source.take(5001))
  run.check(
    'body limits: 1 MiB accepted, 1 MiB + 1 byte and 5,001 items refused',
    atLimit.status === 202 && overLimit.status === 413 && tooMany.status === 413,
    `${BODY_LIMIT} bytes → ${atLimit.status}, ${BODY_LIMIT + 1} bytes → ${overLimit.status}, 5,001 items → ${tooMany.status}`,
  )
}

/** Sends every hand-written case; a 5xx other than 503, or a process that dies, fails the scenario. */
/** An ETL worker on the scenario's database, importing only from a directory of its own. */
async function startEtlWorker(run: ScenarioRun, startTimeoutMs: number): Promise<RoleProcess> {
  const importDir = join(run.logDir, 'etl-import')
  mkdirSync(importDir, { recursive: true })
  const worker = run.closeAtEnd(
    await createRole('etl worker', {
      port: await freePortRange(1),
      label: 'etl',
      logDir: run.logDir,
      startTimeoutMs,
      flags: { 'database-url': run.databaseUrl, 'etl-import-dir': importDir, 'log-level': 'info' },
    }),
  )
  await worker.start()
  run.event('etl started', `pid ${worker.pid}, port ${worker.port}`)
  return worker
}

async function handFuzz(run: ScenarioRun, ingest: RoleProcess, admin: RoleProcess): Promise<void> {
  const cases: FuzzCase[] = [...ingestCases(new Date(Date.now() - 60_000).toISOString()), ...adminCases()]
  const results: {
    name: string
    target: string
    status: number
    error: string | null
    expected: readonly number[]
  }[] = []
  const crashes: string[] = []
  for (const fuzzCase of cases) {
    const role = fuzzCase.target === 'ingest' ? ingest : admin
    const request = { ...fuzzCase.request, headers: { ...authHeaders(), ...fuzzCase.request.headers } }
    const response = await rawRequest(role.port, request, fuzzCase.timeoutMs)
    results.push({
      name: fuzzCase.name,
      target: fuzzCase.target,
      status: response.status,
      error: response.error,
      expected: fuzzCase.expect,
    })
    if (!role.running) {
      crashes.push(`${role.label} exited after "${fuzzCase.name}"`)
      // The harness supervisor restarts it; wait for that before the next case.
      for (let waited = 0; waited < 100 && !role.running; waited++) await run.sleep(200)
    }
  }
  writeFileSync(join(run.logDir, 'hand-fuzz.json'), `${JSON.stringify(results, null, 2)}\n`)
  const serverErrors = results.filter((result) => result.status >= 500 && result.status !== 503)
  const surprising = results.filter(
    (result) => result.status < 500 && !result.expected.includes(result.status),
  )
  run.metrics.handFuzz = results.map(
    (result) => `${result.target} ${result.name}: ${result.status || result.error}`,
  )
  run.check(
    `hand fuzz: no 5xx other than 503 (${results.length} cases)`,
    serverErrors.length === 0,
    serverErrors.length === 0
      ? 'none'
      : serverErrors.map((result) => `${result.target} "${result.name}" → ${result.status}`).join('; '),
  )
  run.check('hand fuzz: no process crashed', crashes.length === 0, crashes.join('; ') || 'none')
  run.check(
    'hand fuzz: every answer is the one a careful API gives',
    surprising.length === 0,
    surprising.length === 0
      ? 'all as expected'
      : surprising
          .map(
            (result) =>
              `${result.target} "${result.name}" → ${result.status || result.error} (expected ${result.expected.join('/')})`,
          )
          .join('; '),
    true,
  )
}

interface Probe {
  readonly name: string
  /** The body, as raw JSON text (escapes such as \u0000 stay escapes). */
  readonly body: string
  /** Rows the probe must have produced if it was acknowledged. */
  readonly rows: number
  readonly sensorPattern: string
}

/**
 * Values the ingest validation lets through and PostgreSQL may refuse or alter. A 202 is a
 * promise (P1): each acknowledged probe must end up stored, as sent, within 10 s.
 */
async function storageProbes(run: ScenarioRun, ingest: RoleProcess): Promise<void> {
  const ts = new Date(Date.now() - 30_000).toISOString()
  const probes: Probe[] = [
    {
      name: 'lone UTF-16 surrogates in two sensor_ids',
      body: `[{"sensor_id":"fz-sur-\\ud800","temperature":1,"timestamp":"${ts}"},{"sensor_id":"fz-sur-\\udbff","temperature":2,"timestamp":"${ts}"}]`,
      rows: 2,
      sensorPattern: 'fz-sur-%',
    },
    {
      name: 'timestamp in year 0000',
      body: '{"sensor_id":"fz-year0","temperature":1,"timestamp":"0000-06-01T00:00:00Z"}',
      rows: 1,
      sensorPattern: 'fz-year0',
    },
    {
      name: 'NUL character in sensor_id',
      body: `{"sensor_id":"fz-nul\\u0000x","temperature":1,"timestamp":"${ts}"}`,
      rows: 1,
      sensorPattern: 'fz-nul%',
    },
  ]
  for (const probe of probes) {
    const response = await rawRequest(ingest.port, {
      method: 'POST',
      path: '/measurements',
      headers: { 'content-type': 'application/json', ...authHeaders() },
      body: probe.body,
    })
    let stored = 0
    if (response.status === 202) {
      for (let waited = 0; waited < 20; waited++) {
        const [row] = await query<{ n: string }>(
          run.databaseUrl,
          'SELECT count(*) AS n FROM measurements WHERE sensor_id LIKE $1',
          [probe.sensorPattern],
        ).catch(() => [{ n: '0' }])
        stored = Number(row?.n ?? 0)
        if (stored >= probe.rows) break
        await run.sleep(500)
      }
    }
    const kept = response.status === 400 || (response.status === 202 && stored === probe.rows)
    run.check(
      `${probe.name}: refused, or acknowledged and stored`,
      kept,
      response.status === 202
        ? `202, then ${stored} of ${probe.rows} rows stored within 10 s`
        : `answered ${response.status || response.error}`,
    )
  }
}

/**
 * P3 and robustness: schemathesis fuzzes the OpenAPI documents of ingest and admin (no 5xx but
 * the documented 503), hand-written hostile requests try the limits, the parsers and the
 * database edge cases, and a canary over every partition proves the pipeline still flows.
 */
export const apiFuzz: Scenario = {
  id: 10,
  slug: 'api-fuzz',
  title: 'API robustness: schemathesis on both OpenAPI documents, hand fuzzing, storage edge cases',
  promises: ['P1', 'P3'],
  settleTimeoutMs: 60_000,
  async run(run) {
    // A shared machine can take minutes to start a role (migrating a fresh database, loading the code).
    const startTimeoutMs = 300_000
    const ingest = await run.startRole('ingest', 'ingest', {}, startTimeoutMs)
    await run.startRole('saver', 'saver', {}, startTimeoutMs)
    // The admin role forwards /etl/* to a worker: with none behind it those routes could only
    // answer 503, so a worker runs here and the fuzz reaches its run API through the admin.
    const etl = await startEtlWorker(run, startTimeoutMs)
    const admin = await run.startRole('admin', 'admin', { 'etl-url': etl.url }, startTimeoutMs)
    run.sampleLag()
    const load = run.startLoad(ingest.url, { ratePerS: 10 })
    await bodyLimits(run, load)
    await handFuzz(run, ingest, admin)
    run.event('hand fuzz done')
    await storageProbes(run, ingest)
    run.event('storage probes done')
    for (const [name, role] of [
      ['ingest', ingest],
      ['admin', admin],
    ] as const) {
      const sweep = await unauthenticatedSweep(role.port)
      run.check(
        `${name}: no route answers 2xx without a valid credential (${sweep.requests} requests)`,
        sweep.leaks.length === 0,
        sweep.leaks.join('; ') || 'every documented route answered 401',
      )
    }
    const examples = run.short ? 20 : 150
    for (const [name, role] of [
      ['ingest', ingest],
      ['admin', admin],
    ] as const) {
      const result = await fuzzOpenApi(
        role.url,
        examples,
        run.logDir,
        name,
        (line) => run.log(line),
        authHeaders(),
      )
      run.check(
        `schemathesis on ${name}: no server error (${examples} examples per operation)`,
        result.passed,
        result.passed
          ? `exit 0; ${result.digest.split('\n').slice(-3).join(' ')}`
          : `exit ${result.exitCode}: ${result.digest}`,
      )
    }
    const exits = run.selfExits.filter((exit) => exit.label !== 'saver')
    run.check(
      'no API process exited while being fuzzed',
      exits.length === 0,
      exits.map((exit) => `${exit.label} at ${exit.atS} s: ${exit.reason}`).join('; ') || 'none',
    )
    // schemathesis acts as admin, and its stateful phase follows `GET /tokens` to revoke and rotate:
    // it may have revoked the harness's own key. The canary signs with a key made afterwards.
    const canary = run.source.take(run.source.sensors)
    const sent = await load.sendNow(canary, undefined, await freshAdminKey(run.databaseUrl))
    const stored = await waitUntilStored(run.databaseUrl, canary, 30_000)
    run.check(
      'canary on every sensor (all partitions) stored after the fuzzing',
      sent.status === 202 && stored.missing === 0,
      `canary of ${canary.length} answered ${sent.status}; ${stored.missing} missing after 30 s`,
    )
  },
}
