import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Transaction } from 'kysely'
import { AlertEvaluator } from '../../../src/roles/aggregate/alert-evaluator.ts'
import type { AlertKind, AlertRule, AlertState } from '../../../src/roles/aggregate/alert-rules.ts'
import { type AlertsRepository, stateKey } from '../../../src/roles/aggregate/alerts-repository.ts'
import { ReadingColumns } from '../../../src/roles/aggregate/reading-columns.ts'
import type { Schema } from '../../../src/storage/schema.ts'

const rule: AlertRule = {
  sensorId: null,
  minTemperature: -40,
  maxTemperature: 85,
  consecutive: 2,
  windowSize: null,
  meanAbove: null,
  meanBelow: null,
}

/** A repository in memory: stored states, and the newest reading per sensor that `states` reads from the windows. */
function fakeRepository(newestMs: Map<string, number>) {
  const stored = new Map<string, AlertState>()
  const saves: string[][] = []
  /** The sensors each `states` call asked for. */
  const asked: string[][] = []
  const repository = {
    rules: async () => [rule],
    uncleanStates: async (_trx: unknown, sensorIds: string[], kind: AlertKind) =>
      sensorIds.filter((sensorId) => {
        const state = stored.get(stateKey(sensorId, kind))
        return state !== undefined && (state.breaches > 0 || state.openSinceMs !== undefined)
      }),
    states: async (_trx: unknown, keys: { sensorId: string; kind: AlertKind }[], newestOf?: string) => {
      asked.push(keys.map((key) => key.sensorId))
      const found = new Map<string, AlertState>()
      for (const { sensorId, kind } of keys) {
        const state = stored.get(stateKey(sensorId, kind))
        const newest = newestOf === undefined ? undefined : newestMs.get(sensorId)
        const lastMs = Math.max(state?.lastMs ?? Number.NEGATIVE_INFINITY, newest ?? Number.NEGATIVE_INFINITY)
        found.set(stateKey(sensorId, kind), {
          sensorId,
          kind,
          breaches: state?.breaches ?? 0,
          lastMs: Number.isFinite(lastMs) ? lastMs : undefined,
          openSinceMs: state?.openSinceMs,
        })
      }
      return found
    },
    save: async (_trx: unknown, states: AlertState[]) => {
      saves.push(states.map((s) => s.sensorId))
      for (const state of states) stored.set(stateKey(state.sensorId, state.kind), { ...state })
    },
  }
  return { repository: repository as unknown as AlertsRepository, saves, stored, asked }
}

const trx = {} as Transaction<Schema>
const reading = (sensorId: string, timestampMs: number, temperature: number) => ({
  sensorId,
  timestampMs,
  temperature,
  partition: 0,
})
const readings = (...list: ReturnType<typeof reading>[]) => ReadingColumns.of(list)

describe('alert evaluation per batch', () => {
  it('stores only the states that are or were not clean, or that had a transition', async () => {
    const newest = new Map<string, number>()
    const { repository, saves, stored } = fakeRepository(newest)
    const evaluator = new AlertEvaluator(repository, '1m')
    await evaluator.onReadings(
      trx,
      readings(reading('calm', 1, 20), reading('hot', 1, 90), reading('calm', 2, 21)),
      'a',
    )
    assert.deepEqual(saves.at(-1), ['hot'])
    // The windows now hold calm's readings up to 2: a late breach at 1.5 is not evaluated again.
    newest.set('calm', 2)
    newest.set('hot', 1)
    await evaluator.onReadings(trx, readings(reading('calm', 1.5, 99), reading('hot', 2, 20)), 'a')
    assert.deepEqual(saves.at(-1), ['hot'], 'hot went back to clean: stored once more')
    assert.equal(stored.get(stateKey('hot', 'reading'))?.breaches, 0)
    assert.equal(stored.has(stateKey('calm', 'reading')), false)
  })

  it('stores a state that opened and resolved an alert inside one batch, though it ends clean', async () => {
    const { repository, saves } = fakeRepository(new Map())
    const evaluator = new AlertEvaluator(repository, '1m')
    const transitions = await evaluator.onReadings(
      trx,
      readings(reading('s', 1, 90), reading('s', 2, 91), reading('s', 3, 20)),
      'a',
    )
    assert.deepEqual(
      transitions.map((t) => t.state),
      ['open', 'resolved'],
    )
    assert.deepEqual(saves.at(-1), ['s'])
  })
  it('steps only sensors with a reading out of limits or a state that is not clean', async () => {
    const { repository, saves, stored, asked } = fakeRepository(new Map())
    const evaluator = new AlertEvaluator(repository, '1m')
    // counting: one breach of the two an alert needs; open: an alert open.
    await evaluator.onReadings(
      trx,
      readings(
        reading('counting', 1, 90),
        reading('open', 1, 90),
        reading('open', 2, 91),
        reading('calm', 1, 20),
      ),
      'a',
    )
    assert.deepEqual(asked.at(-1), ['counting', 'open'], 'calm, within its limits and clean, is not read')
    assert.equal(stored.get(stateKey('counting', 'reading'))?.breaches, 1)
    // Only readings within the limits now: the two states that are not clean still step.
    const transitions = await evaluator.onReadings(
      trx,
      readings(reading('calm', 2, 21), reading('counting', 2, 20), reading('open', 3, 20)),
      'a',
    )
    assert.deepEqual(asked.at(-1), ['counting', 'open'])
    assert.deepEqual(saves.at(-1), ['counting', 'open'])
    assert.equal(stored.get(stateKey('counting', 'reading'))?.breaches, 0, 'the count starts again')
    assert.deepEqual(
      transitions.map((t) => [t.sensorId, t.state]),
      [['open', 'resolved']],
    )
    // Every sensor clean and within its limits: no state is read at all.
    await evaluator.onReadings(trx, readings(reading('calm', 3, 22), reading('open', 4, 21)), 'a')
    assert.equal(asked.length, 2)
  })
})
