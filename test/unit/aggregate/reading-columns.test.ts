import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ReadingColumns } from '../../../src/roles/aggregate/reading-columns.ts'

describe('readings held as columns', () => {
  it('grows from any capacity, zero included, keeping every record in order', () => {
    for (const capacity of [0, 1, 1024]) {
      const columns = new ReadingColumns(capacity)
      for (let i = 0; i < 3000; i++) columns.pushReading(`s${i % 7}`, i / 10, 1_000_000 + i, i % 4, i)
      assert.equal(columns.length, 3000)
      assert.equal(columns.sensorIds[2999], 's3')
      assert.equal(columns.temperatures[2999], 299.9)
      assert.equal(columns.timestamps[0], 1_000_000)
      assert.equal(columns.partitions[2999], 3)
      assert.equal(columns.offsets[2999], 2999)
    }
  })

  it('keeps a skipped record in its place with its reason, and appends another list after its own', () => {
    const held = new ReadingColumns(1)
    held.pushReading('a', 20, 1000, 0, 10)
    held.pushSkipped(0, 11, 'temperature')
    const later = new ReadingColumns(1)
    later.pushReading('b', 21, 2000, 1, 5)
    held.append(later)
    assert.equal(held.length, 3)
    assert.deepEqual([...held.offsets.subarray(0, 3)], [10, 11, 5])
    assert.deepEqual([...held.skipped], [[1, 'temperature']])
    assert.deepEqual(held.sensorIds, ['a', '', 'b'])
  })
})
