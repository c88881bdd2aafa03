import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ratioRegressions } from '../../../bench/lib/smoke-ratios.ts'

describe('ratioRegressions', () => {
  const committed = { 'a / copy': 0.3, 'b / http': 0.5 }

  it('accepts ratios down to the tolerance below the committed ones, and any above', () => {
    assert.deepEqual(ratioRegressions({ 'a / copy': 0.241, 'b / http': 0.9 }, committed, 0.2), [])
  })

  it('names a ratio more than the tolerance below, with by how much', () => {
    assert.deepEqual(ratioRegressions({ 'a / copy': 0.21, 'b / http': 0.5 }, committed, 0.2), [
      'a / copy: 0.2100 is 30 % below the committed 0.3000',
    ])
  })

  it('names a committed ratio the run did not measure', () => {
    assert.deepEqual(ratioRegressions({ 'a / copy': 0.3 }, committed, 0.2), ['b / http: not measured'])
  })
})
