import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { appendFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import type { RecordBatch } from '../../../src/broker/broker.ts'
import { EmbeddedBroker } from '../../../src/broker/embedded/embedded-broker.ts'
import { encodeRecord } from '../../../src/broker/embedded/record-codec.ts'
import { tempDirectory } from './temp-directory.ts'

async function runUntilKilled(script: string, directory: string): Promise<string> {
  const child = spawn(process.execPath, [script, directory], { stdio: ['ignore', 'pipe', 'inherit'] })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  const signal = await new Promise((resolve) => child.once('exit', (_code, signal) => resolve(signal)))
  assert.equal(signal, 'SIGKILL', 'the child died by SIGKILL')
  return output
}

describe('embedded log after a crash', () => {
  it('takes over the stale lock, cuts the torn tail and redelivers what was not committed', {
    timeout: 30_000,
  }, async (t) => {
    const directory = await tempDirectory(t)
    const seen = JSON.parse(
      await runUntilKilled(join(import.meta.dirname, 'fixtures', 'crashing-consumer.ts'), directory),
    ) as { committed: string[]; uncommitted: string[] }
    assert.equal(seen.committed.length + seen.uncommitted.length, 60)

    // The crash also interrupted a write: half a frame sits at the end of a partition's segment.
    const partitionDirectory = join(directory, 'events-0')
    const [segment] = await readdir(partitionDirectory)
    const torn = encodeRecord({ key: 'key-0', value: 'never acknowledged', timestampMs: Date.now() }, 999n)
    await appendFile(join(partitionDirectory, segment as string), torn.subarray(0, 20))

    const broker = await EmbeddedBroker.open({ directory })
    t.after(() => broker.close())
    assert.equal(broker.stats().truncatedBytes, 20)
    const subscription = await broker.subscribe({
      groupId: 'g',
      topics: ['events'],
      maxBatch: 1000,
      maxWaitMs: 10,
    })
    const iterator: AsyncIterator<RecordBatch, undefined> = subscription[Symbol.asyncIterator]()
    const values: string[] = []
    while (values.length < 100 - seen.committed.length) {
      const { value: batch } = await iterator.next()
      assert.ok(batch, 'the subscription delivers')
      values.push(...batch.records.map((record) => record.value.toString()))
    }
    const expected = Array.from({ length: 100 }, (_, index) => `value ${index}`).filter(
      (value) => !seen.committed.includes(value),
    )
    assert.deepEqual([...values].sort(), expected.sort(), 'everything but the committed batch, once')
    for (const value of seen.uncommitted) assert.ok(values.includes(value), `${value} is redelivered`)

    // Offsets continue after the last durable record, not after the torn one.
    await broker.publish([{ topic: 'events', key: 'key-0', value: 'after the crash' }])
    const { value: next } = await iterator.next()
    assert.equal(next?.records[0]?.value.toString(), 'after the crash')
  })
})
