import { randomBytes } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { allocateLayout, Services } from '../../harness/index.ts'
import type { Scenario, ScenarioResult, SuiteContext } from './scenario.ts'
import { ScenarioRun } from './scenario-run.ts'

export interface SuiteOptions {
  /** Private state directory of this run's Kafka and PostgreSQL (and the role logs). */
  readonly stateDir: string
  readonly short: boolean
  readonly log: (line: string) => void
}

/**
 * A suite run: private Kafka and PostgreSQL on free ports under their own state directory,
 * started once, kept healthy between scenarios, and stopped at the end.
 */
export class Suite {
  readonly context: SuiteContext
  #current: ScenarioRun | undefined

  private constructor(context: SuiteContext) {
    this.context = context
  }

  static async start(options: SuiteOptions): Promise<Suite> {
    const runId = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`
    const layout = await allocateLayout(options.stateDir)
    const logRoot = join(options.stateDir, 'logs', runId)
    mkdirSync(logRoot, { recursive: true })
    const services = new Services(layout)
    options.log(
      `services: state ${layout.stateDir}, Kafka 127.0.0.1:${layout.kafkaPort}, PostgreSQL 127.0.0.1:${layout.pgPort}, ` +
        `cluster 127.0.0.1:${layout.clusterPort}-${layout.clusterPort + 2}`,
    )
    const suite = new Suite({ services, runId, logRoot, short: options.short, log: options.log })
    try {
      await services.up()
    } catch (error) {
      await suite.stop()
      throw error
    }
    return suite
  }

  async runScenario(scenario: Scenario): Promise<ScenarioResult> {
    const { services, log } = this.context
    log(`scenario ${scenario.id}: ${scenario.title}${this.context.short ? ' (short)' : ''}`)
    // A scenario that failed half-way may have left a service down: start whatever is not running.
    await services.kafka.start()
    await services.postgres.start()
    if (scenario.cluster) await services.cluster.start()
    const run = new ScenarioRun(scenario, this.context)
    this.#current = run
    let error: unknown
    try {
      await run.prepare()
      await scenario.run(run)
    } catch (caught) {
      error = caught
      log(`  scenario error: ${(caught as Error).message}`)
    }
    try {
      const result = await run.finish(error)
      log(`scenario ${scenario.id}: ${result.passed ? 'PASS' : 'FAIL'} in ${result.durationS.toFixed(0)} s`)
      for (const failure of result.failures) log(`  - ${failure.split('\n')[0]}`)
      return result
    } finally {
      this.#current = undefined
      await run.cleanup()
      if (scenario.cluster) await services.cluster.stop().catch(() => {})
    }
  }

  /** Stops every service of this run (the shared ones are never touched: other state dir, other ports). */
  async stop(): Promise<void> {
    // Interrupted mid-scenario: its role processes (children of this process) must not outlive it.
    await this.#current?.cleanup()
    await this.context.services
      .down()
      .catch((error: Error) => this.context.log(`services down failed: ${error.message}`))
  }
}
