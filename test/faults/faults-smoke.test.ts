import assert from 'node:assert/strict'
import { readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { ScenarioResult } from '../../faults/lib/scenario.ts'
import { Suite } from '../../faults/lib/suite.ts'
import { ingestKill } from '../../faults/scenarios/01-ingest-kill.ts'
import { saverKill } from '../../faults/scenarios/02-saver-kill.ts'
import { kafkaDown } from '../../faults/scenarios/03-kafka-down.ts'
import { postgresDown } from '../../faults/scenarios/06-postgres-down.ts'
import { tempStateDir } from '../../harness/index.ts'

/**
 * The short form of fault scenarios 1, 2, 3 and 6 (`npm run test:faults -- --short` runs them
 * all). They start their own Kafka and PostgreSQL on free ports under a temporary state
 * directory, so the shared services of `npm run services:up` are never stopped or killed.
 */
describe('fault injection (short): nothing acknowledged is lost or stored twice', () => {
  const stateDir = tempStateDir('flowline-faults-smoke-')
  const lines: string[] = []
  let suite: Suite | undefined

  before(async () => {
    suite = await Suite.start({ stateDir, short: true, log: (line) => lines.push(line) })
  })
  after(async () => {
    await suite?.stop()
    rmSync(stateDir, { recursive: true, force: true, maxRetries: 10 })
  })

  // The state directory, logs included, is removed afterwards: a failure carries what explains it.
  const explain = (result: ScenarioResult) =>
    `${result.failures.join('\n')}\n--- harness log (last 40 lines)\n${lines.slice(-40).join('\n')}\n${roleWarnings(result.logDir)}`

  for (const scenario of [ingestKill, saverKill, kafkaDown, postgresDown]) {
    // 600 s, not the suite's 300: a loaded machine may slow a restarted role's comeback, which a
    // scenario waits for (bounded) before it judges.
    it(`${scenario.id}. ${scenario.title} (short form)`, { timeout: 600_000 }, async () => {
      assert.ok(suite, 'the private services did not start')
      const result = await suite.runScenario(scenario)
      const verdict = result.verdict
      assert.ok(verdict, `no verdict:\n${explain(result)}`)
      assert.ok(verdict.measurements.ok > 0, 'the load got 202s')
      assert.equal(verdict.lost, 0, `acknowledged but not stored:\n${explain(result)}`)
      assert.equal(verdict.phantom, 0, `refused but stored:\n${explain(result)}`)
      assert.equal(verdict.duplicated, 0, `stored twice:\n${explain(result)}`)
      assert.equal(result.order?.violations, 0, `stored out of Kafka order:\n${explain(result)}`)
      assert.deepEqual(result.failures, [], explain(result))
    })
  }
})

/** The last warnings and errors (pino level ≥ 40) of each role log of a scenario, 15 lines per role. */
function roleWarnings(logDir: string): string {
  return readdirSync(logDir)
    .filter((file) => file.endsWith('.log'))
    .map((file) => {
      const warnings = readFileSync(join(logDir, file), 'utf8')
        .split('\n')
        .filter((line) => /"level":(4|5|6)0/.test(line))
        .slice(-15)
        .map((line) => line.slice(0, 600))
      return `--- ${file}: last warnings and errors\n${warnings.join('\n') || '(none)'}`
    })
    .join('\n')
}
