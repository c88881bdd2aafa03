import assert from 'node:assert/strict'
import { Readable } from 'node:stream'
import { test } from 'node:test'
import {
  type InputRecord,
  readRecordBatches,
  withoutLineEnd,
} from '../../../src/etl/pipelines/import/records.ts'

const options = { format: 'csv', delimiter: ',', requiredColumns: ['id'] } as const

async function readAll(stream: Readable): Promise<InputRecord[]> {
  const all: InputRecord[] = []
  for await (const batch of readRecordBatches(stream, options)) all.push(...batch)
  return all
}

test('reads a large CSV in batches: every row once, with its line, malformed rows as errors', async () => {
  const lines = ['id,value']
  for (let i = 0; i < 20_000; i++) lines.push(i === 7000 ? 'broken' : `${i},${i * 2}`)
  const text = `${lines.join('\n')}\n`
  // Small pieces, as a file or a socket hands them over.
  const pieces = Array.from({ length: Math.ceil(text.length / 4096) }, (_, i) =>
    text.slice(i * 4096, (i + 1) * 4096),
  )
  const all = await readAll(Readable.from(pieces))
  assert.equal(all.length, 20_000)
  const errors = all.filter((input) => 'error' in input)
  assert.deepEqual(
    errors.map((input) => [input.line, input.raw]),
    [[7002, 'broken']],
  )
  const good = all.filter((input) => 'record' in input)
  assert.deepEqual(good[0], { line: 2, record: { id: '0', value: '0' }, raw: '0,0' })
  assert.deepEqual(good.at(-1), { line: 20_001, record: { id: '19999', value: '39998' }, raw: '19999,39998' })
})

test('a source that fails half way fails the read (it does not stop the process)', async () => {
  const source = new Readable({ read() {} })
  source.push('id,value\n1,2\n')
  setTimeout(() => source.destroy(new Error('connection reset')), 20)
  await assert.rejects(readAll(source), /connection reset/)
})

test('a header without a required column fails at once', async () => {
  await assert.rejects(readAll(Readable.from(['name,value\nx,1\n'])), /CSV header has no column "id"/)
})

test('a raw row loses its final line end only, as the regex /\\r?\\n$/ did', () => {
  const cases = ['a,b\n', 'a,b\r\n', 'a,b', '', '\n', '\r\n', 'a\r', '"x\ny",1\n', 'a\n\n']
  for (const raw of cases) assert.equal(withoutLineEnd(raw), raw.replace(/\r?\n$/, ''), JSON.stringify(raw))
})
