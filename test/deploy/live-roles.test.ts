import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { parse, stringify } from 'yaml'
import { freePort } from '../../harness/index.ts'
import { metricNames, promQueries, unknownMetrics } from './dashboard-metrics.ts'
import { type Cleanup, ROOT, run, tempDir } from './deploy-tools.ts'
import { exportedNames, type MetricsTarget, startEmbeddedRoles } from './running-roles.ts'

const PROMETHEUS_DIR = join(ROOT, 'deploy/compose/prometheus')
const DASHBOARD = join(ROOT, 'deploy/grafana/flowline-overview.json')
// Prometheus itself adds `up` to every target it scrapes.
const ADDED_BY_PROMETHEUS = ['up']

interface ScrapeConfig {
  job_name: string
  static_configs?: { targets: string[] }[]
  dns_sd_configs?: unknown[]
}

describe('the monitoring stack against running roles', () => {
  const cleanups: Parameters<Cleanup>[0][] = []
  const cleanup: Cleanup = (fn) => cleanups.push(fn)
  after(async () => {
    for (const fn of cleanups.reverse()) await fn()
  })
  let targets: MetricsTarget[] = []
  const exported = new Set<string>(ADDED_BY_PROMETHEUS)

  before(async () => {
    targets = await startEmbeddedRoles(cleanup)
    for (const target of targets) for (const name of await exportedNames(target.url)) exported.add(name)
  })

  it('starts the server roles and reads their metric names', () => {
    const roles = targets.map((target) => target.role)
    for (const role of ['ingest', 'saver', 'admin'])
      assert.ok(roles.includes(role), `roles with metrics: ${roles}`)
    assert.ok(exported.has('flowline_http_requests_total'))
    assert.ok(exported.has('flowline_consumer_lag'))
  })

  it('uses in every dashboard panel only metrics the roles export', () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8'))
    const queries = promQueries(dashboard)
    assert.ok(queries.length >= 20, `${queries.length} PromQL queries`)
    assert.deepEqual(unknownMetrics(queries, exported), [])
  })

  it('finds a panel that uses a metric no role exports', () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8'))
    dashboard.panels[1].targets[0].expr = 'sum(rate(flowline_records_produced_totl[5m]))'
    assert.deepEqual(unknownMetrics(promQueries(dashboard), exported), [
      `flowline_records_produced_totl (${dashboard.panels[1].title})`,
    ])
  })

  it('alerts only on metrics the roles export', () => {
    const rules = parse(readFileSync(join(PROMETHEUS_DIR, 'flowline-alerts.yml'), 'utf8')) as {
      groups: { rules: { alert: string; expr: string }[] }[]
    }
    const queries = rules.groups.flatMap((group) =>
      group.rules.map((rule) => ({ panel: rule.alert, expr: rule.expr })),
    )
    assert.deepEqual(unknownMetrics(queries, exported), [])
  })

  it('has dashboard queries that Prometheus parses', (t) => {
    const dir = tempDir(t, 'dashboard-rules')
    const queries = promQueries(JSON.parse(readFileSync(DASHBOARD, 'utf8')))
    const rules = queries.map(({ expr }, index) => ({
      record: `flowline:dashboard_query_${index}`,
      expr: expr.replaceAll('$__rate_interval', '1m').replaceAll('$__interval', '1m'),
    }))
    writeFileSync(join(dir, 'dashboard.yml'), stringify({ groups: [{ name: 'dashboard', rules }] }))
    const result = run('promtool', ['check', 'rules', join(dir, 'dashboard.yml')])
    assert.equal(result.code, 0, result.stdout + result.stderr)
    assert.ok(queries.every(({ expr }) => metricNames(expr).length > 0))
  })

  it('is scraped by a real Prometheus with the compose scrape jobs, every target up', async (t) => {
    const compose = parse(readFileSync(join(PROMETHEUS_DIR, 'prometheus.yml'), 'utf8')) as {
      scrape_configs: ScrapeConfig[]
    }
    const jobs = new Set(compose.scrape_configs.map((job) => job.job_name))
    for (const target of targets) assert.ok(jobs.has(target.role), `no scrape job for ${target.role}`)

    // The compose jobs, with loopback addresses instead of the compose DNS names.
    const dir = tempDir(t, 'prometheus')
    const port = await freePort()
    const scrapeConfigs = compose.scrape_configs.flatMap((job) => {
      const running = targets.filter((target) => target.role === job.job_name)
      if (job.job_name === 'prometheus')
        return [{ ...job, static_configs: [{ targets: [`127.0.0.1:${port}`] }] }]
      if (running.length === 0) return []
      const { dns_sd_configs: _, ...rest } = job
      return [{ ...rest, static_configs: [{ targets: running.map((target) => target.url.host) }] }]
    })
    const config = {
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: ['flowline-alerts.yml'],
      scrape_configs: scrapeConfigs,
    }
    writeFileSync(join(dir, 'prometheus.yml'), stringify(config))
    copyFileSync(join(PROMETHEUS_DIR, 'flowline-alerts.yml'), join(dir, 'flowline-alerts.yml'))
    const prometheus = startPrometheus(dir, port)
    t.after(() => stop(prometheus))

    const api = `http://127.0.0.1:${port}/api/v1`
    const deadline = Date.now() + 60_000
    let health: string[] = []
    while (Date.now() < deadline) {
      const body = await fetchJson(`${api}/targets`)
      const active = body?.data?.activeTargets ?? []
      health = active.map((target) => `${target.labels.job}:${target.health}`)
      if (
        active.length ===
          scrapeConfigs.reduce((n, job) => n + (job.static_configs?.[0]?.targets.length ?? 0), 0) &&
        active.every((target) => target.health === 'up')
      )
        break
      await sleep(500)
    }
    assert.deepEqual(health.sort(), [...targets.map((target) => `${target.role}:up`), 'prometheus:up'].sort())
    // The alert rules load and evaluate without error against the live series.
    const rules = await fetchJson(`${api}/rules`)
    const loaded = (rules?.data?.groups ?? []).flatMap((group) => group.rules)
    assert.ok(loaded.length >= 7)
    for (const rule of loaded) assert.notEqual(rule.health, 'err', rule.name)
  })
})

function startPrometheus(dir: string, port: number): ChildProcess {
  return spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: 'ignore' },
  )
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  await exited
}

/** The parts of Prometheus' HTTP API answers the test reads. */
interface ApiBody {
  data?: {
    activeTargets?: { labels: { job: string }; health: string }[]
    groups?: { rules: { name: string; health: string }[] }[]
  }
}

async function fetchJson(url: string): Promise<ApiBody | undefined> {
  try {
    return (await (await fetch(url)).json()) as ApiBody
  } catch {
    return undefined // not listening yet
  }
}
