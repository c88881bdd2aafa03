import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { parse } from 'yaml'
import { NODE_FLAGS } from '../../src/runtime/node-flags.ts'
import { ROOT, run } from './deploy-tools.ts'

const MAIN = join(ROOT, 'src/main.ts')
const flowline = (...args: string[]) => run(process.execPath, [...NODE_FLAGS, MAIN, ...args]).stdout

/**
 * The long-running roles with an HTTP port (`flowline <role> --help` has a `--<role>-port`), from
 * the CLI itself: a role another branch adds shows up here and must be deployed everywhere.
 */
function serverRoles(): string[] {
  const commands = [...flowline('--help').matchAll(/^ {2}([a-z][a-z-]*) \[options\]/gm)].map(
    ([, name]) => name ?? '',
  )
  return commands.filter(
    (name) => name !== 'up' && new RegExp(`--${name}-port\\b`).test(flowline(name, '--help')),
  )
}

describe('every server role is deployed', () => {
  const roles = serverRoles()

  it('finds the server roles in the CLI', () => {
    for (const role of ['ingest', 'saver', 'admin', 'dead-letter-saver'])
      assert.ok(roles.includes(role), roles.join(', '))
  })

  it('in docker-compose.yml, the Prometheus scrape jobs and the Helm chart', () => {
    const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
      services: Record<string, { command?: string[] }>
    }
    const commands = Object.values(compose.services).map((service) => service.command?.[0])
    const prometheus = parse(
      readFileSync(join(ROOT, 'deploy/compose/prometheus/prometheus.yml'), 'utf8'),
    ) as {
      scrape_configs: { job_name: string }[]
    }
    const jobs = prometheus.scrape_configs.map((job) => job.job_name)
    const chart = parse(readFileSync(join(ROOT, 'deploy/helm/flowline/values.yaml'), 'utf8')) as {
      roles: Record<string, { enabled: boolean; command: string }>
    }
    for (const role of roles) {
      assert.ok(commands.includes(role), `no compose service runs \`flowline ${role}\``)
      assert.ok(jobs.includes(role), `no Prometheus job scrapes ${role}`)
      assert.equal(chart.roles[role]?.command, role, `the chart has no ${role} role`)
      // The aggregate role is opt-in: by default the window aggregator runs inside the saver.
      assert.equal(chart.roles[role]?.enabled, role !== 'aggregate', role)
    }
  })
})
