import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { StockMovementV1 } from '../../../src/inventory/inventory-schemas.ts'
import { type BatchState, pairKey, planBatch } from '../../../src/storage/inventory/stock-batch-plan.ts'
import { StockLevelCache } from '../../../src/storage/inventory/stock-level-cache.ts'
import { stockMovement } from '../../helpers/stock-movements.ts'

const movement = (id: string, kind: StockMovementV1['kind'], quantity: number) =>
  stockMovement(id, 'S', kind, quantity)

const state = (overrides: Partial<BatchState> = {}): BatchState => ({
  levels: new Map(),
  decided: new Map(),
  thresholds: new Map(),
  ...overrides,
})

describe('stock batch plan', () => {
  it('applies in log order from the levels read; a refusal changes nothing and names what it saw', () => {
    const plan = planBatch(
      [movement('a', 'sale', -3), movement('b', 'sale', -3), movement('c', 'reservation', 1)],
      state({ levels: new Map([[pairKey('S', 'w'), { onHand: 5, reserved: 0, lowStock: false }]]) }),
    )
    assert.equal(plan.applied, 2)
    assert.deepEqual(
      plan.refused.map(({ index, code, details }) => [index, code, details]),
      [[1, 'INSUFFICIENT_STOCK', { on_hand: 2, reserved: 0, available: 2, requested: -3 }]],
    )
    assert.deepEqual(plan.ledger.statuses, ['applied', 'refused', 'applied'])
    assert.deepEqual(
      [plan.ledger.onHandDeltas, plan.ledger.reservedDeltas],
      [
        [-3, -3, 0],
        [0, 0, 1],
      ],
    )
    assert.deepEqual(plan.changed, [
      {
        sku: 'S',
        warehouse: 'w',
        before: { onHand: 5, reserved: 0, lowStock: false },
        onHand: 2,
        reserved: 1,
        lowStock: false,
      },
    ])
  })

  it('skips ids decided before or earlier in the batch, reporting a refused one again', () => {
    const first = { code: 'INSUFFICIENT_STOCK', reason: 'first reason', details: { on_hand: 0 } }
    const plan = planBatch(
      [movement('old', 'sale', -1), movement('new', 'receipt', 2), movement('new', 'receipt', 2)],
      state({ decided: new Map([['old', first]]) }),
    )
    assert.deepEqual([plan.applied, plan.duplicates], [1, 2])
    assert.deepEqual(plan.refused, [{ index: 0, ...first }])
    assert.deepEqual(plan.ledger.ids, ['new'])
    assert.equal(plan.changed[0]?.before, undefined, 'a pair without a row is inserted, not updated')
  })

  it('records each low-stock transition with the movement that crossed the threshold', () => {
    const plan = planBatch(
      [movement('a', 'sale', -2), movement('b', 'receipt', 5)],
      state({
        levels: new Map([[pairKey('S', 'w'), { onHand: 4, reserved: 0, lowStock: false }]]),
        thresholds: new Map([['S', 3]]),
      }),
    )
    assert.deepEqual(
      plan.alerts.map(({ state, available, movementId }) => [state, available, movementId]),
      [
        ['open', 2, 'a'],
        ['resolved', 7, 'b'],
      ],
    )
  })
})

describe('stock level cache', () => {
  it('starts again empty past its limit rather than growing', () => {
    const cache = new StockLevelCache(2)
    const levels = { onHand: 1, reserved: 0, lowStock: false }
    cache.remember('a', levels)
    cache.remember('b', levels)
    cache.remember('b', { ...levels, onHand: 2 })
    assert.equal(cache.get('b')?.onHand, 2, 'a known pair is updated in place')
    cache.remember('c', levels)
    assert.deepEqual([cache.get('a'), cache.get('b'), cache.get('c')], [undefined, undefined, levels])
  })
})
