import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  CHUNK_BYTES,
  type CopyChunk,
  CopyChunker,
  copyLine,
} from '../../../src/etl/pipelines/import/staging.ts'

const row = (i: number) =>
  copyLine({ sensorId: `s"${i}`, celsius: i / 10, timestampMs: 1_700_000_000_000 + i }, i + 2)

test('chunks hold whole COPY lines, in order, each under CHUNK_BYTES, and every row once', () => {
  const chunker = new CopyChunker()
  const chunks: CopyChunk[] = []
  const rows = 120_000
  for (let i = 0; i < rows; i++) {
    const chunk = chunker.push(row(i))
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
  assert.equal(texts.join(''), Array.from({ length: rows }, (_, i) => row(i)).join(''))
})

test('a released buffer is filled again instead of a new one, without touching chunks not released', () => {
  const chunker = new CopyChunker()
  const fill = () => {
    for (let i = 0; ; i++) {
      const chunk = chunker.push(row(i))
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

test('a sensor id with quotes, commas and multi-byte characters is quoted for COPY', () => {
  const chunker = new CopyChunker()
  chunker.push(copyLine({ sensorId: 'a,"b" é😀', celsius: -1.5, timestampMs: 5 }, 7))
  assert.equal(chunker.flush()?.bytes.toString(), '"a,""b"" é😀",-1.5,5,7\n')
})
