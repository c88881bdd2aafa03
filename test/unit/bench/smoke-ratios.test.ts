import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseOptions } from '../../../bench/lib/options.ts'
import { GUARDED_RATIOS, ratioRegressions, remeasureParts } from '../../../bench/lib/smoke-ratios.ts'

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

describe('remeasureParts', () => {
  const low = (ratio: string) => `${ratio}: 0.0100 is 40 % below the committed 0.0200`

  const expected = [
    ['batched-100.e2e / ceiling.postgres-copy', ['ceiling.postgres-copy', 'batched']],
    ['batched-100.accepted / ceiling.http-batch100', ['ceiling.http-batch100', 'batched']],
    ['single.e2e / ceiling.http-single', ['ceiling.http-single', 'single']],
    ['embedded-batched-100.e2e / ceiling.http-batch100', ['ceiling.http-batch100', 'embedded']],
  ] as const
  for (const [ratio, parts] of expected)
    it(`measures ${ratio} again with ${parts.join(' and ')} only`, () => {
      assert.deepEqual(remeasureParts([low(ratio)]), parts)
    })

  it('has an expectation for every guarded ratio', () => {
    assert.deepEqual(
      expected.map(([ratio]) => ratio),
      GUARDED_RATIOS.map(([id, ceiling]) => `${id} / ${ceiling}`),
    )
  })

  it('names a shared ceiling or scenario once, a ratio the run did not measure as a low one', () => {
    assert.deepEqual(
      remeasureParts([
        low('batched-100.accepted / ceiling.http-batch100'),
        'embedded-batched-100.e2e / ceiling.http-batch100: not measured',
        low('batched-100.e2e / ceiling.postgres-copy'),
      ]),
      ['ceiling.http-batch100', 'ceiling.postgres-copy', 'batched', 'embedded'],
    )
  })

  it('refuses a ratio it has no part for', () => {
    assert.throws(
      () => remeasureParts([low('sustained-100.e2e / ceiling.postgres-copy')]),
      /no bench part known/,
    )
  })

  it('asks only for parts that --only accepts', () => {
    for (const [id, ceiling] of GUARDED_RATIOS) {
      const parts = remeasureParts([low(`${id} / ${ceiling}`)])
      assert.deepEqual(parseOptions(['--quick', '--only', parts.join(',')]).only, parts)
    }
  })
})
