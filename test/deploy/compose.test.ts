import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { parse } from 'yaml'
import { staleFiles } from '../../scripts/deploy/generate-settings.ts'
import { SETTINGS } from '../../src/config/settings.ts'
import { ROOT, run, tempDir } from './deploy-tools.ts'

const PROFILES = [[], ['--profile', 'monitoring'], ['--profile', 'tools'], ['--profile', 'aggregate-process']]

function composeConfig(dir: string, profile: readonly string[]) {
  return run('docker-compose', [
    ...profile,
    '--project-directory',
    dir,
    '-f',
    join(dir, 'docker-compose.yml'),
    'config',
    '-q',
  ])
}

describe('docker-compose.yml', () => {
  for (const profile of PROFILES) {
    it(`is valid for docker-compose config -q ${profile.join(' ') || '(default profile)'}`, () => {
      const result = composeConfig(ROOT, profile)
      assert.equal(result.code, 0, result.stderr)
    })
  }

  it('fails the check when broken', (t) => {
    const dir = tempDir(t, 'bad-compose')
    const good = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')
    // A healthcheck whose retries is not a number, and an unknown service key.
    const bad = good
      .replace('  retries: 6\n', '  retries: six\n')
      .replace('    command: ["saver"]\n', '    command: ["saver"]\n    restart_policy: always\n')
    assert.notEqual(bad, good)
    writeFileSync(join(dir, 'docker-compose.yml'), bad)
    const result = composeConfig(dir, [])
    assert.notEqual(result.code, 0)
    assert.match(result.stderr, /retries|restart_policy/)
  })

  it('runs every server role with a /ready healthcheck, a restart policy and resource limits', () => {
    const { services } = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
      services: Record<string, Record<string, unknown> & { command?: string[] }>
    }
    const roles = Object.entries(services).filter(([, service]) =>
      ['ingest', 'saver', 'aggregate', 'dead-letter-saver', 'admin'].includes(service.command?.[0] ?? ''),
    )
    assert.deepEqual(roles.map(([name]) => name).sort(), [
      'admin',
      'aggregate',
      'dead-letter-saver',
      'ingest-1',
      'ingest-2',
      'saver',
    ])
    for (const [name, service] of roles) {
      const healthcheck = service.healthcheck as { test: string[] }
      assert.match(healthcheck.test.join(' '), /\/ready/, name)
      assert.equal(service.restart, 'unless-stopped', name)
      assert.ok((service.deploy as { resources: { limits: unknown } }).resources.limits, name)
      assert.equal((service.environment as Record<string, unknown>).MIGRATE_ON_START, 'false', name)
    }
    // The window aggregator runs inside the saver unless its own service is asked for.
    assert.deepEqual(services.aggregate?.profiles, ['aggregate-process'])
    assert.equal(services.saver?.profiles, undefined)
    assert.equal(services.migrate?.restart, 'no')
    assert.deepEqual(services.migrate?.command, ['migrate'])
  })

  it('has .env.example and its settings block generated from the current settings table', () => {
    assert.deepEqual(staleFiles(), [], 'run `npm run deploy:generate`')
    const example = readFileSync(join(ROOT, '.env.example'), 'utf8')
    for (const setting of SETTINGS) assert.match(example, new RegExp(`^# ${setting.env}=`, 'm'))
  })

  it('notices a setting missing from .env.example or from the compose block', (t) => {
    const dir = tempDir(t, 'stale-env')
    const example = readFileSync(join(ROOT, '.env.example'), 'utf8')
    const compose = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')
    writeFileSync(join(dir, '.env.example'), example.replace(/^# LOG_LEVEL=.*\n/m, ''))
    writeFileSync(join(dir, 'docker-compose.yml'), compose.replace(/^ {2}LOG_LEVEL:\n/m, ''))
    assert.deepEqual(staleFiles(dir), ['.env.example', 'docker-compose.yml'])
  })

  it('wires the trace pipeline of the monitoring profile: collector → Jaeger', () => {
    const { services } = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
      services: Record<
        string,
        { profiles?: string[]; expose?: string[]; ports?: string[]; volumes?: string[] }
      >
    }
    const collector = parse(
      readFileSync(join(ROOT, 'deploy/compose/otel-collector/config.yaml'), 'utf8'),
    ) as {
      receivers: Record<string, unknown>
      processors: Record<string, unknown>
      exporters: Record<string, { endpoint: string }>
      service: {
        pipelines: Record<string, { receivers: string[]; processors: string[]; exporters: string[] }>
      }
    }
    // No collector binary here (none in a package registry): the structure is checked instead.
    const traces = collector.service.pipelines.traces
    assert.ok(traces, 'a traces pipeline')
    for (const name of traces.receivers) assert.ok(collector.receivers[name], `receiver ${name} defined`)
    for (const name of traces.processors) assert.ok(collector.processors[name], `processor ${name} defined`)
    for (const name of traces.exporters) {
      const [host, port] = (collector.exporters[name]?.endpoint ?? '').split(':')
      assert.deepEqual(
        services[host ?? '']?.profiles,
        ['monitoring'],
        `exporter ${name} sends to a monitoring service`,
      )
      assert.ok(services[host ?? '']?.expose?.includes(port ?? ''), `${host} exposes ${port}`)
    }
    assert.deepEqual(services['otel-collector']?.profiles, ['monitoring'])
    assert.ok(services['otel-collector']?.expose?.includes('4318'), 'the roles reach OTLP/HTTP on 4318')
    assert.ok(
      services['otel-collector']?.volumes?.some((volume) => volume.includes('otel-collector/config.yaml')),
    )
    assert.ok(services.jaeger?.ports?.includes('16686:16686'), 'the Jaeger UI on the host')
  })
})
