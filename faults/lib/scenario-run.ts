import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  clusterBootstrap,
  freePortRange,
  kafkaBootstrap,
  RoleProcess,
  scratchDatabase,
} from '../../harness/index.ts'
import {
  acknowledged,
  checkStored,
  storedRows,
  type Verdict,
  verdictFailures,
  waitUntilStored,
} from './checker.ts'
import { History, MeasurementSource } from './history.ts'
import { KafkaProbe } from './kafka-probe.ts'
import { LoadGenerator, type LoadOptions } from './load-generator.ts'
import { checkOrder, type OrderVerdict } from './order-checker.ts'
import type {
  NamedCheck,
  Recovery,
  Scenario,
  ScenarioResult,
  SuiteContext,
  TimelineEvent,
} from './scenario.ts'
import { type SelfExit, supervise } from './supervisor.ts'

export const PARTITIONS = 4

/** The steady load of every scenario: 50 requests/s of 10 measurements, 2 % of them carrying an invalid item. */
export const NORMAL_LOAD = {
  ratePerS: 50,
  itemsPerRequest: 10,
  maxInFlight: 64,
  timeoutMs: 10_000,
  invalidRatio: 0.02,
}

export type RoleName = 'ingest' | 'saver' | 'aggregate' | 'dead-letter-saver' | 'admin'

/** Window sizes and timings of the aggregator in the fault runs: short, so windows close within a run. */
export const AGGREGATE_FLAGS = { windows: '10s,1m', 'allowed-lateness': 2000, 'idle-timeout': 2000 }

/** The same URL with `application_name` set, so that pg_stat_activity tells which process a backend serves. */
function withApplicationName(url: string, name: string): string {
  const parsed = new URL(url)
  parsed.searchParams.set('application_name', name)
  return parsed.toString()
}

/**
 * What a scenario works with: its own topic, group and database, its role processes, the load
 * generator and history, a timeline, named checks; and `finish`, the common verification.
 */
export class ScenarioRun {
  readonly scenario: Scenario
  readonly suite: SuiteContext
  readonly history = new History()
  readonly source: MeasurementSource
  readonly logDir: string
  readonly bootstrap: string
  readonly replicationFactor: number
  readonly topic: string
  readonly group: string
  readonly aggregateGroup: string
  readonly deadLetterGroup: string
  readonly probe: KafkaProbe
  readonly checks: NamedCheck[] = []
  readonly timeline: TimelineEvent[] = []
  readonly metrics: Record<string, unknown> = {}
  readonly lagSeries: [number, number | null][] = []
  readonly #roles: RoleProcess[] = []
  readonly #loads: LoadGenerator[] = []
  readonly #t0 = Date.now()
  readonly #databaseName: string
  #databaseUrl = ''
  #healAt: number | undefined
  #healWatch: Promise<{ elapsedMs: number | null; missing: number }> | undefined
  #lagTimer: NodeJS.Timeout | undefined

  constructor(scenario: Scenario, suite: SuiteContext) {
    this.scenario = scenario
    this.suite = suite
    const name = `${String(scenario.id).padStart(2, '0')}-${scenario.slug}`
    this.logDir = join(suite.logRoot, name)
    mkdirSync(this.logDir, { recursive: true })
    this.topic = `faults-${scenario.id}-${suite.runId}`
    this.group = `faults-saver-${scenario.id}-${suite.runId}`
    this.aggregateGroup = `faults-aggregate-${scenario.id}-${suite.runId}`
    this.deadLetterGroup = `faults-dead-letters-${scenario.id}-${suite.runId}`
    this.#databaseName = `faults_${scenario.id}_${suite.runId}`.toLowerCase()
    this.source = new MeasurementSource(`f${scenario.id}-${suite.runId}`, 200)
    this.bootstrap = scenario.cluster
      ? clusterBootstrap(suite.services.layout)
      : kafkaBootstrap(suite.services.layout)
    this.replicationFactor = scenario.cluster ? 3 : 1
    this.probe = new KafkaProbe(this.bootstrap)
  }

  get short(): boolean {
    return this.suite.short
  }

  get databaseUrl(): string {
    return this.#databaseUrl
  }

  get services() {
    return this.suite.services
  }

  async prepare(): Promise<void> {
    this.#databaseUrl = (
      await scratchDatabase(this.services.postgres.url(), { name: this.#databaseName })
    ).url
  }

  elapsedS(at = Date.now()): number {
    return Math.round((at - this.#t0) / 100) / 10
  }

  log(line: string): void {
    this.suite.log(`  [${this.elapsedS().toFixed(1).padStart(6)} s] ${line}`)
  }

  event(event: string, detail?: string): void {
    this.timeline.push({ atS: this.elapsedS(), event, detail })
    this.log(detail ? `${event}: ${detail}` : event)
  }

  check(name: string, passed: boolean, detail: string, advisory = false): void {
    this.checks.push({ name, passed, detail, advisory })
    this.log(`${passed ? 'PASS' : advisory ? 'NOTE' : 'FAIL'} ${name}: ${detail}`)
  }

  /** A role process of this scenario, not started yet. `label` names its log file and its pg application_name. */
  async createRole(
    role: RoleName,
    label: string,
    flags: Record<string, string | number | boolean> = {},
    startTimeoutMs?: number,
  ): Promise<RoleProcess> {
    const kafka = {
      kafka: this.bootstrap,
      topic: this.topic,
      'errors-topic': `${this.topic}-errors`,
      partitions: PARTITIONS,
      'replication-factor': this.replicationFactor,
    }
    const database = { 'database-url': withApplicationName(this.#databaseUrl, label) }
    const byRole: Record<RoleName, Record<string, string | number | boolean>> = {
      // Ingest reads device tokens and the sensor registry from the database.
      ingest: { ...kafka, ...database },
      // The aggregator runs inside the saver only where a scenario asks (19); 11-13 run it as a role.
      saver: { ...kafka, ...database, group: this.group, 'inline-aggregator': false },
      aggregate: { ...kafka, ...database, ...this.aggregatorFlags },
      'dead-letter-saver': { ...kafka, ...database, 'dead-letter-group': this.deadLetterGroup },
      admin: { ...kafka, ...database },
    }
    const process = new RoleProcess(role, await freePortRange(1), {
      label,
      flags: { ...byRole[role], 'log-level': 'info', ...flags },
      logDir: this.logDir,
      startTimeoutMs,
    })
    process.onUnexpectedExit = (code, signal) => void supervise(this, process, code, signal)
    this.#roles.push(process)
    return process
  }

  /** The aggregator's group, topics and timings, for the `aggregate` role or a saver with `--inline-aggregator`. */
  get aggregatorFlags(): Record<string, string | number> {
    return {
      'aggregate-group': this.aggregateGroup,
      'windows-topic': `${this.topic}-windows`,
      'alerts-topic': `${this.topic}-alerts`,
      ...AGGREGATE_FLAGS,
    }
  }

  /** A saver running the aggregator inside (the default layout), on this run's aggregator names. */
  get inlineAggregatorFlags(): Record<string, string | number | boolean> {
    return { 'inline-aggregator': true, ...this.aggregatorFlags }
  }

  /** A process the scenario made itself (e.g. `createRole('etl worker', …)`), closed with its roles at the end. */
  closeAtEnd<Process extends RoleProcess>(process: Process): Process {
    this.#roles.push(process)
    return process
  }

  /** Roles that exited on their own, each restarted like `restart: on-failure` would. */
  readonly selfExits: SelfExit[] = []

  async startRole(
    role: RoleName,
    label: string,
    flags: Record<string, string | number | boolean> = {},
    startTimeoutMs?: number,
  ): Promise<RoleProcess> {
    const process = await this.createRole(role, label, flags, startTimeoutMs)
    await process.start()
    this.event(`${label} started`, `pid ${process.pid}, port ${process.port}`)
    return process
  }

  /** Starts an open-loop load generator on `target` with the normal load, or `overrides`. */
  startLoad(
    target: string,
    overrides: Partial<Omit<LoadOptions, 'target' | 'source' | 'history'>> = {},
  ): LoadGenerator {
    const load = new LoadGenerator({
      ...NORMAL_LOAD,
      ...overrides,
      target,
      source: this.source,
      history: this.history,
    })
    this.#loads.push(load)
    load.start()
    this.event('load started', `${overrides.ratePerS ?? NORMAL_LOAD.ratePerS} requests/s to ${target}`)
    return load
  }

  async stopLoads(): Promise<void> {
    await Promise.all(this.#loads.map((load) => load.stop()))
  }

  /** Samples the group's lag every `intervalMs` until `finish` (null while Kafka does not answer). */
  sampleLag(intervalMs = 2000): void {
    if (this.#lagTimer) return
    const sample = async () => {
      const lag = await this.probe.lag(this.topic, this.group, PARTITIONS).catch(() => null)
      this.lagSeries.push([this.elapsedS(), lag])
    }
    this.#lagTimer = setInterval(() => void sample(), intervalMs)
  }

  /** The fault is over: from now on, time how long until what was acknowledged before is stored. */
  heal(detail?: string): void {
    this.#healAt = Date.now()
    this.event('heal', detail)
    this.#healWatch = waitUntilStored(this.#databaseUrl, acknowledged(this.history), 300_000)
  }

  get healAt(): number | undefined {
    return this.#healAt
  }

  async sleep(ms: number): Promise<void> {
    await sleep(ms)
  }

  /** Stops the load, waits for the pipeline to converge, and compares the history with PostgreSQL and Kafka. */
  async finish(error: unknown): Promise<ScenarioResult> {
    const failures: string[] = []
    let verdict: Verdict | null = null
    let order: OrderVerdict | null = null
    let loadEndToStoredMs: number | null = null
    let loadEndToLagZeroMs: number | null = null
    let healToStoredMs: number | null = null
    if (error) failures.push(`scenario error: ${(error as Error).stack ?? String(error)}`)
    try {
      await this.stopLoads()
      if (this.#loads.length > 0) {
        const skipped = this.#loads.reduce((sum, load) => sum + load.skipped, 0)
        this.metrics.skippedSends = skipped
        this.event(
          'load stopped',
          `${this.history.records.length} requests sent; ${skipped} scheduled sends skipped because every connection was busy`,
        )
      }
      const ok = acknowledged(this.history)
      const settleMs = this.scenario.settleTimeoutMs ?? (this.short ? 120_000 : 300_000)
      const stored = await waitUntilStored(this.#databaseUrl, ok, settleMs)
      loadEndToStoredMs = stored.elapsedMs
      this.check(
        'every acknowledged measurement is stored',
        stored.missing === 0,
        stored.missing === 0
          ? `${ok.length} stored ${stored.elapsedMs} ms after the load stopped`
          : `${stored.missing} of ${ok.length} still missing after the timeout`,
      )
      loadEndToLagZeroMs = await this.#waitLagZero(Math.min(settleMs, this.short ? 60_000 : 120_000))
      if (this.#healWatch) healToStoredMs = (await this.#healWatch).elapsedMs
      await sleep(1000) // a late duplicate from a redelivery would show up now
      const rows = await storedRows(this.#databaseUrl)
      verdict = await checkStored(this.#databaseUrl, this.history, rows, this.source.prefix)
      order = checkOrder(rows, await this.probe.readAll(this.topic, PARTITIONS))
      this.event(
        'checked',
        `lost ${verdict.lost}, phantom ${verdict.phantom}, duplicated ${verdict.duplicated}, order violations ${order.violations}`,
      )
    } catch (checkError) {
      failures.push(`verification error: ${(checkError as Error).stack ?? String(checkError)}`)
    } finally {
      clearInterval(this.#lagTimer)
    }
    failures.push(...verdictFailures(verdict, order))
    for (const check of this.checks)
      if (!check.passed && !check.advisory) failures.push(`${check.name}: ${check.detail}`)
    const recovery: Recovery = {
      healToStoredMs,
      healToFirst202Ms: this.#firstOkAfterHeal(),
      loadEndToStoredMs,
      loadEndToLagZeroMs,
    }
    writeFileSync(join(this.logDir, 'history.ndjson'), this.history.toNdjson())
    return {
      id: this.scenario.id,
      slug: this.scenario.slug,
      title: this.scenario.title,
      promises: this.scenario.promises,
      short: this.short,
      startedAt: new Date(this.#t0).toISOString(),
      durationS: this.elapsedS(),
      passed: failures.length === 0,
      failures,
      verdict,
      order,
      recovery,
      checks: this.checks,
      statuses: this.history.statusHistogram(),
      timeline: this.timeline,
      metrics: { ...this.metrics, lagSeries: this.lagSeries },
      logDir: this.logDir,
      error: error ? String((error as Error).message ?? error) : null,
    }
  }

  async cleanup(): Promise<void> {
    clearInterval(this.#lagTimer)
    await Promise.allSettled(this.#loads.map((load) => load.close()))
    await Promise.allSettled(this.#roles.map((role) => role.close()))
    await this.probe.close()
  }

  #firstOkAfterHeal(): number | null {
    if (this.#healAt === undefined) return null
    const heal = this.#healAt
    const first = this.history.records.find((record) => record.startMs >= heal && record.outcome === 'ok')
    return first ? first.endMs - heal : null
  }

  async #waitLagZero(timeoutMs: number): Promise<number | null> {
    const started = Date.now()
    while (Date.now() - started < timeoutMs) {
      const lag = await this.probe.lag(this.topic, this.group, PARTITIONS).catch(() => null)
      if (lag === 0) return Date.now() - started
      await sleep(500)
    }
    this.check('consumer lag drains to 0', false, `lag still above 0 after ${timeoutMs} ms`)
    return null
  }
}
