import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CEILINGS, type OnlyPart, parseOptions, wantsCeiling } from '../../../bench/lib/options.ts'

const ceilingsOf = (only: readonly OnlyPart[]) => CEILINGS.filter((name) => wantsCeiling(only, name))

describe('bench --only', () => {
  it('keeps the parts as given, single ceilings among them', () => {
    assert.deepEqual(parseOptions(['--only', 'ceiling.postgres-copy,batched']).only, [
      'ceiling.postgres-copy',
      'batched',
    ])
  })

  it('measures every ceiling for `ceilings`', () => {
    assert.deepEqual(ceilingsOf(['ceilings', 'batched']), [...CEILINGS])
  })

  it('measures only the ceilings named one by one', () => {
    assert.deepEqual(ceilingsOf(['ceiling.http-single', 'single', 'ceiling.postgres-copy']), [
      'postgres-copy',
      'http-single',
    ])
  })

  it('measures no ceiling when none is named', () => {
    assert.deepEqual(ceilingsOf(['batched', 'embedded']), [])
  })

  it('measures every ceiling by default, in the full and the quick form', () => {
    assert.deepEqual(ceilingsOf(parseOptions([]).only), [...CEILINGS])
    assert.deepEqual(ceilingsOf(parseOptions(['--quick']).only), [...CEILINGS])
  })

  it('refuses an unknown part or ceiling', () => {
    assert.throws(() => parseOptions(['--only', 'ceiling.copy']), /unknown part "ceiling.copy"/)
    assert.throws(() => parseOptions(['--only', 'ceiling']), /unknown part "ceiling"/)
  })
})
