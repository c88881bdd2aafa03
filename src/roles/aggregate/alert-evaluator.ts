import type { Transaction } from 'kysely'
import type { Schema } from '../../storage/schema.ts'
import {
  type AlertKind,
  type AlertRule,
  type AlertState,
  type AlertTransition,
  breachOf,
  evaluateReadings,
  evaluateWindowMeans,
  ruleFor,
} from './alert-rules.ts'
import { type AlertsRepository, stateKey } from './alerts-repository.ts'
import type { ReadingColumns } from './reading-columns.ts'
import type { ClosedWindow } from './windows-repository.ts'

/** Rules change rarely (no CRUD yet): read them again at most this often. */
const RULES_TTL_MS = 5000

type Observation = { atMs: number; value: number }

/** Steps the alert state of the sensors in a batch (or of closed windows) inside the batch's transaction. */
export class AlertEvaluator {
  readonly #repository: AlertsRepository
  /** A window size whose newest window per sensor tells the newest reading merged (see `states`). */
  readonly #newestOf: string | undefined
  #rules: AlertRule[] = []
  #rulesAt = Number.NEGATIVE_INFINITY

  constructor(repository: AlertsRepository, newestOf?: string) {
    this.#repository = repository
    this.#newestOf = newestOf
  }

  async #currentRules(trx: Transaction<Schema>): Promise<AlertRule[]> {
    if (Date.now() - this.#rulesAt > RULES_TTL_MS) {
      this.#rules = await this.#repository.rules(trx)
      this.#rulesAt = Date.now()
    }
    return this.#rules
  }

  /**
   * Steps the reading rules of the batch's sensors. Call it before the batch's readings are merged
   * into the windows: a sensor's state that stayed clean is not stored (the common case: one row
   * write per sensor and batch saved), and its last evaluated time is read back from the windows.
   */
  async onReadings(
    trx: Transaction<Schema>,
    readings: ReadingColumns,
    topic: string,
  ): Promise<AlertTransition[]> {
    const rules = await this.#currentRules(trx)
    const limitsOf = (sensorId: string) => {
      const rule = ruleFor(rules, sensorId)
      return rule && (rule.minTemperature !== null || rule.maxTemperature !== null) ? rule : undefined
    }
    const mayChange = await this.#mayChange(trx, readings, limitsOf)
    // The common batch: every sensor within its limits and clean. No pass over the readings then.
    if (mayChange.size === 0) return []
    const bySensor = groupBy(
      readings.length,
      (i) => readings.sensorIds[i] as string,
      (i) => ({ atMs: readings.timestamps[i] as number, value: readings.temperatures[i] as number }),
      (sensorId) => mayChange.get(sensorId),
    )
    return this.#step(trx, 'reading', bySensor, evaluateReadings, topic)
  }

  /**
   * The rule of each sensor of a batch whose reading state can change. A sensor whose readings
   * all lie within its limits and whose state is clean stays clean, with no transition, and a
   * clean state is not stored (see `onReadings`): reading its state, stepping it and passing it
   * over cost ~2 µs of Node and 0.7 µs of PostgreSQL a record at 20,000 sensors
   * (bench/results/aggregate-stages-2026-12-03.md), for nothing. So only sensors with a reading out
   * of limits, and those whose stored state is not clean (breaches counting, or an alert open:
   * few), are stepped. One pass over the readings, with no object made for each: the grouping
   * (an observation a reading) is left for the sensors kept.
   */
  async #mayChange(
    trx: Transaction<Schema>,
    readings: ReadingColumns,
    limitsOf: (sensorId: string) => AlertRule | undefined,
  ): Promise<Map<string, AlertRule>> {
    const ruleOf = new Map<string, AlertRule | null>()
    const breaking = new Set<string>()
    for (let i = 0; i < readings.length; i++) {
      const sensorId = readings.sensorIds[i] as string
      const temperature = readings.temperatures[i] as number
      let rule = ruleOf.get(sensorId)
      if (rule === undefined) {
        rule = limitsOf(sensorId) ?? null
        ruleOf.set(sensorId, rule)
      }
      if (rule !== null && breachOf(rule, temperature) !== undefined) breaking.add(sensorId)
    }
    const mayChange = new Map<string, AlertRule>()
    const withinLimits: string[] = []
    for (const [sensorId, rule] of ruleOf) {
      if (rule === null) continue
      // Without `newestOf` every state is stored to move its last time: each may change.
      if (this.#newestOf === undefined || breaking.has(sensorId)) mayChange.set(sensorId, rule)
      else withinLimits.push(sensorId)
    }
    if (withinLimits.length > 0)
      for (const sensorId of await this.#repository.uncleanStates(trx, withinLimits, 'reading'))
        mayChange.set(sensorId, ruleOf.get(sensorId) as AlertRule)
    return mayChange
  }

  async onClosedWindows(
    trx: Transaction<Schema>,
    windows: readonly ClosedWindow[],
    topic: string,
  ): Promise<AlertTransition[]> {
    if (windows.length === 0) return []
    const rules = await this.#currentRules(trx)
    const relevant = windows.filter((window) => ruleFor(rules, window.sensorId)?.windowSize === window.size)
    const bySensor = groupBy(
      relevant.length,
      (i) => (relevant[i] as ClosedWindow).sensorId,
      (i) => ({
        atMs: (relevant[i] as ClosedWindow).windowStartMs,
        value: (relevant[i] as ClosedWindow).mean,
      }),
      (sensorId) => ruleFor(rules, sensorId),
    )
    return this.#step(trx, 'window_mean', bySensor, evaluateWindowMeans, topic)
  }

  async #step(
    trx: Transaction<Schema>,
    kind: AlertKind,
    bySensor: Map<string, { rule: AlertRule; observations: Observation[] }>,
    evaluateOne: (
      rule: AlertRule,
      state: AlertState,
      observations: Observation[],
      out: AlertTransition[],
    ) => void,
    topic: string,
  ): Promise<AlertTransition[]> {
    if (bySensor.size === 0) return []
    // Only reading rules leave a clean state unstored: their last time is the windows' newest reading.
    const newestOf = kind === 'reading' ? this.#newestOf : undefined
    const states = await this.#repository.states(
      trx,
      [...bySensor.keys()].map((sensorId) => ({ sensorId, kind })),
      newestOf,
    )
    const transitions: AlertTransition[] = []
    const changed: AlertState[] = []
    for (const [sensorId, { rule, observations }] of bySensor) {
      const state = states.get(stateKey(sensorId, kind)) as AlertState
      const wasClean = isClean(state)
      const before = transitions.length
      observations.sort((a, b) => a.atMs - b.atMs)
      evaluateOne(rule, state, observations, transitions)
      if (newestOf === undefined || !wasClean || !isClean(state) || transitions.length > before)
        changed.push(state)
    }
    await this.#repository.save(trx, changed, transitions, topic)
    return transitions
  }
}

/** No breach counted and no alert open: the state every sensor starts in. */
const isClean = (state: AlertState) => state.breaches === 0 && state.openSinceMs === undefined

/** Observations per sensor with a rule, of items `0` to `count − 1`; those of sensors without one are passed over. */
function groupBy(
  count: number,
  sensorOf: (i: number) => string,
  observationOf: (i: number) => Observation,
  ruleOf: (sensorId: string) => AlertRule | undefined,
): Map<string, { rule: AlertRule; observations: Observation[] }> {
  const groups = new Map<string, { rule: AlertRule; observations: Observation[] }>()
  const noRule = new Set<string>()
  for (let i = 0; i < count; i++) {
    const sensorId = sensorOf(i)
    let group = groups.get(sensorId)
    if (!group) {
      if (noRule.has(sensorId)) continue
      const rule = ruleOf(sensorId)
      if (!rule) {
        noRule.add(sensorId)
        continue
      }
      group = { rule, observations: [] }
      groups.set(sensorId, group)
    }
    group.observations.push(observationOf(i))
  }
  return groups
}
