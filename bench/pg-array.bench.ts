/**
 * Array literals of numbers for `unnest` parameters: `scalarArray` as it is, against the map and
 * `String()` per element it replaced. Both savers' and the aggregator's statements send several a
 * batch (a merge of 150,000 readings: 14 columns of ~40,000 windows). Run:
 * `node bench/pg-array.bench.ts` (a few seconds, one core).
 */
import assert from 'node:assert/strict'
import { scalarArray } from '../src/storage/pg-array.ts'

function mappedScalarArray(values: readonly (number | null | undefined)[]): string {
  return `{${values.map((value) => (value === null || value === undefined ? 'NULL' : String(value))).join(',')}}`
}

const SIZES = [5_000, 40_000]
const ROUNDS = 40

function columnsOf(size: number) {
  const temperatures = Array.from({ length: size }, (_, i) => Math.round((20 + Math.sin(i) * 5) * 100) / 100)
  const sums = Array.from({ length: size }, (_, i) => 21.37 * (i % 17) + Math.cos(i))
  const timestamps = Array.from({ length: size }, (_, i) => 1_796_400_000_000 + i * 37)
  const partitions = Array.from({ length: size }, (_, i) => i % 4)
  return { temperatures, sums, timestamps, partitions }
}

function timePerElement(build: (values: readonly number[]) => string, columns: number[][]): number {
  let length = 0
  const started = process.hrtime.bigint()
  for (let round = 0; round < ROUNDS; round++) for (const column of columns) length += build(column).length
  const ns = Number(process.hrtime.bigint() - started)
  assert.ok(length > 0)
  return ns / (ROUNDS * columns.reduce((sum, column) => sum + column.length, 0))
}

for (const size of SIZES) {
  const columns = Object.values(columnsOf(size))
  for (const column of columns) assert.equal(scalarArray(column), mappedScalarArray(column))
  // Warm both up, then alternate so a slower phase of the machine hits both alike.
  timePerElement(scalarArray, columns)
  timePerElement(mappedScalarArray, columns)
  const joined: number[] = []
  const mapped: number[] = []
  for (let i = 0; i < 3; i++) {
    joined.push(timePerElement(scalarArray, columns))
    mapped.push(timePerElement(mappedScalarArray, columns))
  }
  const median = (list: number[]) => [...list].sort((a, b) => a - b)[1] as number
  console.log(
    `${size} elements a column: scalarArray ${median(joined).toFixed(1)} ns an element, map + String ${median(mapped).toFixed(1)} ns`,
  )
}
