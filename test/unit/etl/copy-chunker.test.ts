import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { CleanRow } from '../../../src/etl/pipelines/import/cleaning.ts'
import { CHUNK_BYTES, type CopyChunk, CopyChunker } from '../../../src/etl/pipelines/import/copy-chunker.ts'

const row = (i: number): CleanRow => ({
  sensorId: `s"${i}`,
  celsius: Math.round((i % 3000) * 0.37 * 1e6) / 1e6 - 273.15,
  timestampMs: 1_700_000_000_000 + i,
})
/** The line a row must become, written with ordinary string conversion. */
const expected = (r: CleanRow, line: number) =>
  `"${r.sensorId.replaceAll('"', '""')}",${Math.round(r.celsius * 1e6)},${r.timestampMs},${line}\n`

test('chunks hold whole COPY lines, in order, each under CHUNK_BYTES, and every row once', () => {
  const chunker = new CopyChunker()
  const chunks: CopyChunk[] = []
  const rows = 120_000
  for (let i = 0; i < rows; i++) {
    const chunk = chunker.push(row(i), i + 2)
    if (chunk) chunks.push(chunk)
  }
  const rest = chunker.flush()
  if (rest) chunks.push(rest)
  assert.equal(chunker.flush(), undefined)
  assert.ok(chunks.length > 1, 'a file this size takes several chunks')
  const texts = chunks.map((chunk) => chunk.bytes.toString())
  for (const [index, chunk] of chunks.entries()) {
    assert.ok(chunk.bytes.length <= CHUNK_BYTES)
    assert.ok(texts[index]?.endsWith('\n'))
    assert.equal(texts[index]?.split('\n').length, chunk.rows + 1)
  }
  assert.equal(texts.join(''), Array.from({ length: rows }, (_, i) => expected(row(i), i + 2)).join(''))
})

test('writes microdegrees that divide back to the cleaned temperature, and any integer exactly', () => {
  const chunker = new CopyChunker()
  const temperatures = [0, -0, 20, -273.15, 1000, 0.000001, -0.000001, 36.6, -17.777778, 999.999999]
  const times = [0, 9, 10, 99, 100, 1_764_000_000_000, 8_640_000_000_000_000 / 1000]
  for (const [i, celsius] of temperatures.entries())
    chunker.push({ sensorId: 'a,"b" é😀', celsius, timestampMs: times[i % times.length] ?? 0 }, i + 1)
  const lines = chunker.flush()?.bytes.toString().trimEnd().split('\n') ?? []
  assert.equal(lines.length, temperatures.length)
  for (const [i, text] of lines.entries()) {
    const [, micro, ms, line] = /^"a,""b"" é😀",(-?\d+),(\d+),(\d+)$/.exec(text) ?? []
    assert.equal(Number(micro) / 1_000_000, (temperatures[i] ?? 0) + 0, text)
    assert.equal(Number(ms), times[i % times.length])
    assert.equal(Number(line), i + 1)
  }
})

test('a released buffer is filled again instead of a new one, without touching chunks not released', () => {
  const chunker = new CopyChunker()
  const fill = () => {
    for (let i = 0; ; i++) {
      const chunk = chunker.push(row(i), i + 2)
      if (chunk) return chunk
    }
  }
  const first = fill()
  const second = fill()
  const secondText = second.bytes.toString()
  chunker.release(first)
  // The chunk being filled already has its buffer: the released one comes next.
  fill()
  const fourth = fill()
  assert.equal(fourth.bytes.buffer, first.bytes.buffer, 'the released buffer is reused')
  assert.equal(second.bytes.toString(), secondText)
})
