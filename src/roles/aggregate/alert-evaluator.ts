import type { Transaction } from 'kysely'
import type { Schema } from '../../storage/schema.ts'
import {
  type AlertKind,
  type AlertRule,
  type AlertState,
  type AlertTransition,
  evaluateReadings,
  evaluateWindowMeans,
  ruleFor,
} from './alert-rules.ts'
import { type AlertsRepository, stateKey } from './alerts-repository.ts'
import type { ClosedWindow, Reading } from './windows-repository.ts'

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
    readings: readonly Reading[],
    topic: string,
  ): Promise<AlertTransition[]> {
    const rules = await this.#currentRules(trx)
    const bySensor = groupBy(
      readings,
      (reading) => reading.sensorId,
      (reading) => ({ atMs: reading.timestampMs, value: reading.temperature }),
      (sensorId) => {
        const rule = ruleFor(rules, sensorId)
        return rule && (rule.minTemperature !== null || rule.maxTemperature !== null) ? rule : undefined
      },
    )
    return this.#step(trx, 'reading', bySensor, evaluateReadings, topic)
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
      relevant,
      (window) => window.sensorId,
      (window) => ({ atMs: window.windowStartMs, value: window.mean }),
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

/** Observations per sensor with a rule; the items of sensors without one are passed over. */
function groupBy<T>(
  items: readonly T[],
  sensorOf: (item: T) => string,
  observationOf: (item: T) => Observation,
  ruleOf: (sensorId: string) => AlertRule | undefined,
): Map<string, { rule: AlertRule; observations: Observation[] }> {
  const groups = new Map<string, { rule: AlertRule; observations: Observation[] }>()
  const noRule = new Set<string>()
  for (const item of items) {
    const sensorId = sensorOf(item)
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
    group.observations.push(observationOf(item))
  }
  return groups
}
