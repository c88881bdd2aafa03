/** A threshold rule; the one without a sensor is the global default. */
export interface AlertRule {
  readonly sensorId: string | null
  readonly minTemperature: number | null
  readonly maxTemperature: number | null
  /** Readings in a row outside [min, max] before an alert opens. */
  readonly consecutive: number
  /** A window size (`1h`) whose closed windows' mean is checked against meanAbove / meanBelow. */
  readonly windowSize: string | null
  readonly meanAbove: number | null
  readonly meanBelow: number | null
}

/** Where the evaluation of one sensor and one kind of rule stands, kept in `alert_state`. */
export interface AlertState {
  readonly sensorId: string
  readonly kind: AlertKind
  breaches: number
  /** Event time (ms) of the last reading or window start evaluated; older ones are not evaluated again. */
  lastMs: number | undefined
  /** Event time (ms) at which the open alert opened; undefined when none is open. */
  openSinceMs: number | undefined
}

export type AlertKind = 'reading' | 'window_mean'

export interface AlertTransition {
  readonly sensorId: string
  readonly kind: AlertKind
  readonly state: 'open' | 'resolved'
  /** Event time of the reading (or window start) that caused it. */
  readonly atMs: number
  readonly openedAtMs: number
  readonly value: number
  readonly reason: string
}

/** The rule that applies to a sensor: its own, else the global default. */
export function ruleFor(rules: readonly AlertRule[], sensorId: string): AlertRule | undefined {
  return rules.find((rule) => rule.sensorId === sensorId) ?? rules.find((rule) => rule.sensorId === null)
}

/** Why a temperature breaks the rule's limits, or undefined when it lies within them. */
export function breachOf(rule: AlertRule, temperature: number): string | undefined {
  if (rule.maxTemperature !== null && temperature > rule.maxTemperature)
    return `temperature ${temperature} above ${rule.maxTemperature}`
  if (rule.minTemperature !== null && temperature < rule.minTemperature)
    return `temperature ${temperature} below ${rule.minTemperature}`
  return undefined
}

function meanBreachOf(rule: AlertRule, mean: number): string | undefined {
  if (rule.meanAbove !== null && mean > rule.meanAbove)
    return `${rule.windowSize} mean ${mean} above ${rule.meanAbove}`
  if (rule.meanBelow !== null && mean < rule.meanBelow)
    return `${rule.windowSize} mean ${mean} below ${rule.meanBelow}`
  return undefined
}

/**
 * Steps one sensor's state through observations in event-time order. Only observations newer
 * than the last one evaluated count, so a redelivered or duplicated reading changes nothing and
 * a late one does not reorder history: alerts follow the newest readings, once each.
 */
export function evaluate(
  state: AlertState,
  observations: ReadonlyArray<{ readonly atMs: number; readonly value: number }>,
  needed: number,
  breachReason: (value: number) => string | undefined,
  transitions: AlertTransition[],
): void {
  for (const { atMs, value } of observations) {
    if (state.lastMs !== undefined && atMs <= state.lastMs) continue
    state.lastMs = atMs
    const reason = breachReason(value)
    if (reason !== undefined) {
      state.breaches += 1
      if (state.openSinceMs === undefined && state.breaches >= needed) {
        state.openSinceMs = atMs
        const why = needed > 1 ? `${reason} for ${needed} readings in a row` : reason
        transitions.push({ ...keyOf(state), state: 'open', atMs, openedAtMs: atMs, value, reason: why })
      }
    } else {
      state.breaches = 0
      if (state.openSinceMs !== undefined) {
        transitions.push({
          ...keyOf(state),
          state: 'resolved',
          atMs,
          openedAtMs: state.openSinceMs,
          value,
          reason: 'back within the limits',
        })
        state.openSinceMs = undefined
      }
    }
  }
}

const keyOf = (state: AlertState) => ({ sensorId: state.sensorId, kind: state.kind })

/** Evaluates readings against the reading rule of their sensor. */
export function evaluateReadings(
  rule: AlertRule,
  state: AlertState,
  readings: ReadonlyArray<{ readonly atMs: number; readonly value: number }>,
  transitions: AlertTransition[],
): void {
  if (rule.minTemperature === null && rule.maxTemperature === null) return
  evaluate(state, readings, rule.consecutive, (value) => breachOf(rule, value), transitions)
}

/** Evaluates the means of closed windows against the window rule of their sensor. */
export function evaluateWindowMeans(
  rule: AlertRule,
  state: AlertState,
  means: ReadonlyArray<{ readonly atMs: number; readonly value: number }>,
  transitions: AlertTransition[],
): void {
  if (rule.windowSize === null || (rule.meanAbove === null && rule.meanBelow === null)) return
  evaluate(state, means, 1, (value) => meanBreachOf(rule, value), transitions)
}
