import assert from 'node:assert/strict'
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { parse } from 'yaml'
import { ROOT, run, tempDir } from './deploy-tools.ts'

const DIR = join(ROOT, 'deploy/compose/prometheus')

interface RuleFile {
  groups: { rules: { alert?: string }[] }[]
}
interface RuleTests {
  tests: { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[]
}

describe('Prometheus configuration and alert rules', () => {
  it('passes promtool check config', () => {
    const result = run('promtool', ['check', 'config', join(DIR, 'prometheus.yml')])
    assert.equal(result.code, 0, result.stdout + result.stderr)
  })

  it('passes promtool check rules', () => {
    const result = run('promtool', ['check', 'rules', join(DIR, 'flowline-alerts.yml')])
    assert.equal(result.code, 0, result.stdout + result.stderr)
  })

  it('passes promtool test rules', () => {
    const result = run('promtool', ['test', 'rules', 'flowline-alerts.test.yml'], { cwd: DIR })
    assert.equal(result.code, 0, result.stdout + result.stderr)
    assert.match(result.stdout, /SUCCESS/)
  })

  it('has a unit test that fires every alert and one that keeps it silent', () => {
    const rules = parse(readFileSync(join(DIR, 'flowline-alerts.yml'), 'utf8')) as RuleFile
    const alerts = rules.groups.flatMap((group) => group.rules.flatMap((rule) => rule.alert ?? []))
    const tests = parse(readFileSync(join(DIR, 'flowline-alerts.test.yml'), 'utf8')) as RuleTests
    const cases = tests.tests.flatMap((test) => test.alert_rule_test ?? [])
    assert.ok(alerts.length >= 7)
    for (const alert of alerts) {
      const own = cases.filter((c) => c.alertname === alert)
      assert.ok(
        own.some((c) => c.exp_alerts.length > 0),
        `${alert}: no test expects it to fire`,
      )
      assert.ok(
        own.some((c) => c.exp_alerts.length === 0),
        `${alert}: no test expects it to stay silent`,
      )
    }
  })

  it('fails promtool test rules when a rule no longer does what its test says', (t) => {
    const dir = tempDir(t, 'bad-rules')
    const rules = readFileSync(join(DIR, 'flowline-alerts.yml'), 'utf8')
    // The dead-letter threshold raised from 0.1/s to 10/s: the test expecting the alert at 1/s must fail.
    const broken = rules.replace(
      'rate(flowline_dead_lettered_total[5m])) > 0.1',
      'rate(flowline_dead_lettered_total[5m])) > 10',
    )
    assert.notEqual(broken, rules)
    writeFileSync(join(dir, 'flowline-alerts.yml'), broken)
    copyFileSync(join(DIR, 'flowline-alerts.test.yml'), join(dir, 'flowline-alerts.test.yml'))
    const result = run('promtool', ['test', 'rules', 'flowline-alerts.test.yml'], { cwd: dir })
    assert.notEqual(result.code, 0)
    assert.match(result.stdout + result.stderr, /FlowlineDeadLetters/)
  })

  it('fails promtool check rules on a rule that does not parse', (t) => {
    const dir = tempDir(t, 'bad-syntax')
    const rules = readFileSync(join(DIR, 'flowline-alerts.yml'), 'utf8')
    writeFileSync(join(dir, 'rules.yml'), rules.replace('== 0', '== == 0'))
    const result = run('promtool', ['check', 'rules', join(dir, 'rules.yml')])
    assert.notEqual(result.code, 0)
  })
})
