/**
 * The console with 10,000 sensors: seeds a scratch PostgreSQL database with 10,000 sensors (the
 * registry, with 8 sites, and the per-sensor summary), their 1-hour windows for a day (240,000
 * rows, what the reports read) and a day of 1-minute windows for `--minute-sensors` of them
 * (default 500: 720,000 rows), starts `flowline admin` on it, and times in headless Chromium:
 * the sensors page (first page, a search, the next page), a sensor's "1 day" chart, and the
 * reports page. Each is measured 3 times; the median and all runs are printed.
 *
 *   node bench/console-scale.bench.ts [--minute-sensors 500]
 *
 * Loopback only; the scratch database is dropped at the end.
 */
import { parseArgs } from 'node:util'
import { sql } from 'kysely'
import {
  authHeaders,
  freePortRange,
  SHARED_DATABASE_URL,
  scratchDatabase,
  startRole,
} from '../harness/index.ts'
import { PostgresStorage } from '../src/storage/postgres-storage.ts'
import { launchBrowser, newPage } from '../test/e2e/browser.ts'
import { buildConsole } from '../test/e2e/console-scenarios.ts'

const DATABASE_URL = SHARED_DATABASE_URL
const SENSORS = 10_000
const { values } = parseArgs({ options: { 'minute-sensors': { type: 'string', default: '500' } } })
const minuteSensors = Math.min(SENSORS, Number(values['minute-sensors']))
const cleanups: (() => Promise<unknown>)[] = []
const scope = {
  after: (cleanup: () => Promise<unknown> | unknown) => void cleanups.push(async () => cleanup()),
}

/** Runs `insert` for sensors 1..total, `size` at a time. */
async function slices(total: number, size: number, insert: (from: number, to: number) => Promise<unknown>) {
  for (let from = 1; from <= total; from += size) await insert(from, Math.min(total, from + size - 1))
}

async function seed(url: string): Promise<Record<string, number>> {
  const storage = new PostgresStorage({ connectionString: url })
  try {
    await storage.migrate()
    const db = storage.db
    const timed = async (what: string, run: () => Promise<unknown>) => {
      const started = performance.now()
      await run()
      return [what, Math.round(performance.now() - started)] as const
    }
    // The hour windows end at the last full hour, the minute windows a minute ago.
    const end = sql`date_trunc('hour', now())`
    const times = [
      await timed('registry + summary', async () => {
        await sql`
          INSERT INTO sensor_registry (sensor_id, site)
          SELECT 'scale-' || lpad(i::text, 5, '0'), 'site-' || (i % 8) FROM generate_series(1, ${SENSORS}) i`.execute(
          db,
        )
        await sql`
          INSERT INTO sensors (sensor_id, measurement_count, first_seen, last_seen, last_temperature)
          SELECT 'scale-' || lpad(i::text, 5, '0'), 1440, ${end} - interval '1 day',
                 ${end} - make_interval(secs => i % 600), 15 + (i % 100) / 10.0
            FROM generate_series(1, ${SENSORS}) i`.execute(db)
      }),
      // In slices: one statement stays well under the pool's 30 s query timeout on a busy machine.
      await timed('1-hour windows', () =>
        slices(SENSORS, 500, (from, to) =>
          sql`
          INSERT INTO measurement_windows (sensor_id, size, window_start, window_end, source_partition, count,
            min, max, sum, sum_squares, first_ts, first_value, last_ts, last_value, final)
          SELECT 'scale-' || lpad(i::text, 5, '0'), '1h', s, s + interval '1 hour', i % 4, 60,
                 15 + h % 10, 25 + h % 10, 60 * (20 + h % 10), 0, s, 20, s + interval '59 minutes', 20, true
            FROM generate_series(${from}::int, ${to}::int) i, generate_series(1, 24) h,
                 LATERAL (SELECT ${end} - make_interval(hours => h)) AS w(s)`.execute(db),
        ),
      ),
      await timed('1-minute windows', () =>
        slices(minuteSensors, 20, (from, to) =>
          sql`
          INSERT INTO measurement_windows (sensor_id, size, window_start, window_end, source_partition, count,
            min, max, sum, sum_squares, first_ts, first_value, last_ts, last_value, final)
          SELECT 'scale-' || lpad(i::text, 5, '0'), '1m', s, s + interval '1 minute', i % 4, 1,
                 v, v, v, v * v, s, v, s, v, true
            FROM generate_series(${from}::int, ${to}::int) i, generate_series(1, 1440) m,
                 LATERAL (SELECT date_trunc('minute', now()) - make_interval(mins => m), 18 + 6 * sin(m / 1440.0 * 2 * pi())) AS w(s, v)`.execute(
            db,
          ),
        ),
      ),
      await timed('analyze', () => sql`ANALYZE`.execute(db)),
    ]
    return Object.fromEntries(times)
  } finally {
    await storage.close()
  }
}

const median = (runs: number[]) => [...runs].sort((a, b) => a - b)[Math.floor(runs.length / 2)] ?? Number.NaN

async function main() {
  await buildConsole()
  const database = await scratchDatabase(DATABASE_URL, { scope, prefix: 'console_scale' })
  const seedMs = await seed(database.url)
  const base = await freePortRange(1)
  const admin = await startRole('admin', {
    port: base,
    label: 'console-scale-admin',
    startTimeoutMs: 180_000,
    flags: { 'database-url': database.url, 'log-level': 'warn' },
  })
  cleanups.push(() => admin.close())
  const user = { username: 'scale-viewer', password: 'scale-viewer-password' }
  const created = await fetch(`${admin.url}/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...authHeaders() },
    body: JSON.stringify({ ...user, role: 'viewer' }),
  })
  if (created.status !== 201) throw new Error(`POST /users: ${created.status} ${await created.text()}`)
  const browser = await launchBrowser(scope)
  const page = await newPage(browser, admin.url)
  const login = await page.context().request.post(`${admin.url}/auth/login`, { data: user })
  if (login.status() !== 200) throw new Error(`login: ${login.status()}`)

  const runs: Record<string, number[]> = {}
  const time = async (what: string, act: () => Promise<unknown>, done: () => Promise<unknown>) => {
    const started = performance.now()
    try {
      await act()
      await done()
    } catch (error) {
      // A step that times out on the busy machine is reported as such; the others still run.
      console.log(
        `${what}: failed after ${Math.round(performance.now() - started)} ms: ${(error as Error).message.split('\n')[0]}`,
      )
      return
    }
    const ms = Math.round(performance.now() - started)
    console.log(`${what}: ${ms} ms`)
    runs[what] = [...(runs[what] ?? []), ms]
  }
  let drawn = ''
  for (let round = 0; round < 3; round++) {
    await time(
      'sensors page: load to "Sensors 1–50 of 10,000"',
      () => page.goto('/console/sensors'),
      () => page.getByText('Sensors 1–50 of 10,000').waitFor(),
    )
    await time(
      'sensors page: search "scale-0999" to 10 rows',
      () => page.getByLabel('Search sensors').fill('scale-0999'),
      () => page.getByText('Sensors 1–10 of 10').waitFor(),
    )
    await page.getByLabel('Search sensors').fill('')
    await page.getByText('Sensors 1–50 of 10,000').waitFor()
    await time(
      'sensors page: Next to "Sensors 51–100"',
      () => page.getByRole('button', { name: 'Next' }).click(),
      () => page.getByText('Sensors 51–100 of 10,000').waitFor(),
    )
    const sensor = `scale-${String(1 + round).padStart(5, '0')}`
    await page.goto(`/console/sensors/${sensor}`)
    const ranges = page.getByRole('group', { name: 'Time range' })
    await ranges.getByRole('button', { name: '1 hour' }).click()
    await page.getByText(/^\d+ buckets of 1 min · drawn in \d+ ms$/).waitFor()
    await time(
      'sensor chart: click "1 day" to drawn',
      () => ranges.getByRole('button', { name: '1 day' }).click(),
      async () => {
        const line = page.getByText(/^1,4\d\d buckets of 1 min · drawn in \d+ ms$/)
        await line.waitFor()
        drawn = (await line.textContent()) ?? ''
      },
    )
    await time(
      'reports page: load to throughput total',
      () => page.goto('/console/reports'),
      () => page.getByText(/^[\d,]+ readings in the last 14 days/).waitFor(),
    )
  }
  const reportText = await page.getByText(/readings in the last 14 days/).textContent()
  const lines = [
    `console-scale: ${SENSORS} sensors (8 sites), 1-hour windows for a day of each (${SENSORS * 24} rows), 1-minute windows for a day of ${minuteSensors} (${minuteSensors * 1440} rows); admin on real PostgreSQL 15, headless Chromium, shared machine (load average ${(
      await import('node:os')
    )
      .loadavg()
      .map((n) => n.toFixed(1))
      .join(' ')})`,
    `seed: ${Object.entries(seedMs)
      .map(([what, ms]) => `${what} ${ms} ms`)
      .join(', ')}`,
    ...Object.entries(runs).map(([what, ms]) => `${what}: median ${median(ms)} ms (runs ${ms.join(', ')})`),
    `last chart: "${drawn}"; reports: "${reportText}"`,
  ]
  console.log(lines.join('\n'))
}

try {
  await main()
} finally {
  for (const cleanup of cleanups.reverse()) await cleanup().catch((error) => console.error(error))
}
