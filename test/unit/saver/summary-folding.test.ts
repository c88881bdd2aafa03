import assert from 'node:assert/strict'
import { test } from 'node:test'
import { foldIsDue } from '../../../src/roles/saver/summary-folding.ts'

test('a fold is due once several readings per sensor wait, or after 10 checks, or past 200,000 readings', () => {
  assert.equal(foldIsDue(0, 0, Number.POSITIVE_INFINITY), false, 'nothing pending, nothing to fold')
  assert.equal(foldIsDue(1, 0, Number.POSITIVE_INFINITY), true, 'the first fold calibrates')
  assert.equal(foldIsDue(99_999, 20_000, 3), false)
  assert.equal(foldIsDue(100_000, 20_000, 3), true, '5 readings per sensor of the last fold')
  assert.equal(foldIsDue(10, 20_000, 9), false)
  assert.equal(foldIsDue(10, 20_000, 10), true, 'a quiet saver still folds every 10 checks')
  assert.equal(foldIsDue(200_000, 1_000_000, 0), true, 'what readers add up stays bounded')
})
