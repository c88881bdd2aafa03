import type { Services } from '../../harness/index.ts'
import type { Verdict } from './checker.ts'
import type { OrderVerdict } from './order-checker.ts'
import type { ScenarioRun } from './scenario-run.ts'

/** One fault scenario of the suite. `run` leaves the pipeline healthy; the suite then checks it. */
export interface Scenario {
  readonly id: number
  readonly slug: string
  readonly title: string
  /** The promises of issue 6 it exercises (P1..P6). */
  readonly promises: readonly string[]
  /** Runs on the 3-broker cluster instead of the single broker. */
  readonly cluster?: boolean
  /** How long the final check waits for the acknowledged measurements to be stored (default 300 s, short 120 s). */
  readonly settleTimeoutMs?: number
  run(run: ScenarioRun): Promise<void>
}

export interface SuiteContext {
  readonly services: Services
  readonly runId: string
  readonly logRoot: string
  readonly short: boolean
  readonly log: (line: string) => void
}

export interface NamedCheck {
  readonly name: string
  readonly passed: boolean
  readonly detail: string
  /** Reported, but does not fail the scenario (an observation beyond the criteria). */
  readonly advisory?: boolean
}

export interface TimelineEvent {
  readonly atS: number
  readonly event: string
  readonly detail?: string
}

export interface Recovery {
  /** From the heal until every measurement acknowledged before it is stored. */
  readonly healToStoredMs: number | null
  /** From the heal until the first 202 of a request sent after it. */
  readonly healToFirst202Ms: number | null
  /** From the end of the load until every acknowledged measurement is stored. */
  readonly loadEndToStoredMs: number | null
  /** From the end of the load until the consumer group has no lag. */
  readonly loadEndToLagZeroMs: number | null
}

/** Everything the report says about one scenario. */
export interface ScenarioResult {
  readonly id: number
  readonly slug: string
  readonly title: string
  readonly promises: readonly string[]
  readonly short: boolean
  readonly startedAt: string
  readonly durationS: number
  readonly passed: boolean
  readonly failures: readonly string[]
  readonly verdict: Verdict | null
  readonly order: OrderVerdict | null
  readonly recovery: Recovery
  readonly checks: readonly NamedCheck[]
  readonly statuses: Readonly<Record<string, number>>
  readonly timeline: readonly TimelineEvent[]
  readonly metrics: Readonly<Record<string, unknown>>
  readonly logDir: string
  readonly error: string | null
}
