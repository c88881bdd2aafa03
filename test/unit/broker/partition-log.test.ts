import assert from 'node:assert/strict'
import { appendFile, readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, it, mock } from 'node:test'
import { CorruptLogError } from '../../../src/broker/embedded/embedded-errors.ts'
import { PartitionLog, type PartitionLogOptions } from '../../../src/broker/embedded/partition-log.ts'
import { encodeRecord } from '../../../src/broker/embedded/record-codec.ts'
import { SegmentFile, segmentFileName } from '../../../src/broker/embedded/segment-file.ts'
import { tempDirectory } from './temp-directory.ts'

const roomy: PartitionLogOptions = {
  segmentBytes: 1024 * 1024,
  retentionBytes: Infinity,
  retentionMs: Infinity,
}
const recordsOf = (from: number, count: number, timestampMs = Date.now()) =>
  Array.from({ length: count }, (_, index) => ({ key: 'k', value: `value ${from + index}`, timestampMs }))

async function openLog(t: { after: (fn: () => Promise<void>) => void }, options = roomy, directory?: string) {
  const where = directory ?? (await tempDirectory(t))
  const log = await PartitionLog.open('events', 0, where, options)
  t.after(() => log.close())
  return { log, directory: where }
}

async function readAll(log: PartitionLog): Promise<string[]> {
  const { records } = await log.read(0n, 1_000_000)
  return records.map((record) => record.value.toString())
}

describe('partition log', () => {
  it('gives consecutive offsets from 0 and reads them back across segments', async (t) => {
    const { log } = await openLog(t, { ...roomy, segmentBytes: 500 })
    for (let i = 0; i < 20; i++) await log.append(recordsOf(i * 5, 5))
    assert.ok(log.segmentCount > 5, 'small segments roll')
    assert.equal(log.endOffset, 100n)
    const all = await log.read(0n, 1000)
    assert.deepEqual(
      all.records.map((record) => record.offset),
      Array.from({ length: 100 }, (_, index) => BigInt(index)),
    )
    // Reading in small steps with the returned cursor gives the same records.
    const stepped: bigint[] = []
    let next = 0n
    let cursor: Awaited<ReturnType<PartitionLog['read']>>['cursor']
    while (next < log.endOffset) {
      const read = await log.read(next, 7, cursor)
      stepped.push(...read.records.map((record) => record.offset))
      next = read.next
      cursor = read.cursor
    }
    assert.deepEqual(
      stepped,
      all.records.map((record) => record.offset),
    )
  })

  it('lets a reader that keeps up follow the tail across segment rolls', async (t) => {
    const { log } = await openLog(t, { ...roomy, segmentBytes: 400 })
    const seen: bigint[] = []
    let next = 0n
    let cursor: Awaited<ReturnType<PartitionLog['read']>>['cursor']
    for (let round = 0; round < 30; round++) {
      await log.append(recordsOf(round * 4, 4))
      const read = await log.read(next, 1000, cursor)
      seen.push(...read.records.map((record) => record.offset))
      next = read.next
      cursor = read.cursor
      assert.ok(cursor, 'the cursor survives reaching the tail')
    }
    assert.ok(log.segmentCount > 5)
    assert.deepEqual(
      seen,
      Array.from({ length: 120 }, (_, index) => BigInt(index)),
    )
  })

  it('cuts off a frame torn by a crash at the tail and continues after the last whole record', async (t) => {
    const { log, directory } = await openLog(t)
    await log.append(recordsOf(0, 10))
    await log.close()
    const torn = encodeRecord({ key: 'k', value: 'never acknowledged', timestampMs: Date.now() }, 10n)
    await appendFile(join(directory, segmentFileName(0n)), torn.subarray(0, torn.length - 3))

    const { log: reopened } = await openLog(t, roomy, directory)
    assert.equal(reopened.truncatedBytes, torn.length - 3)
    assert.equal(reopened.endOffset, 10n)
    await reopened.append(recordsOf(10, 1))
    assert.deepEqual(
      await readAll(reopened),
      recordsOf(0, 11).map((record) => record.value),
    )
  })

  it('cuts off a last record whose checksum fails', async (t) => {
    const { log, directory } = await openLog(t)
    await log.append(recordsOf(0, 10))
    await log.close()
    const path = join(directory, segmentFileName(0n))
    const content = await readFile(path)
    content[content.length - 2] = (content[content.length - 2] as number) ^ 0xff
    await writeFile(path, content)

    const { log: reopened } = await openLog(t, roomy, directory)
    assert.equal(reopened.endOffset, 9n)
    assert.deepEqual(
      await readAll(reopened),
      recordsOf(0, 9).map((record) => record.value),
    )
  })

  it('refuses to open when a sealed segment is damaged', async (t) => {
    const { log, directory } = await openLog(t, { ...roomy, segmentBytes: 300 })
    for (let i = 0; i < 10; i++) await log.append(recordsOf(i * 3, 3))
    await log.close()
    const path = join(directory, segmentFileName(0n))
    const content = await readFile(path)
    content[40] = (content[40] as number) ^ 0xff
    await writeFile(path, content)
    await assert.rejects(PartitionLog.open('events', 0, directory, roomy), CorruptLogError)
  })

  it('writes and fsyncs once per group of appends that arrive during an fsync', async (t) => {
    const { log } = await openLog(t)
    const sync = SegmentFile.prototype.sync
    mock.method(SegmentFile.prototype, 'sync', async function (this: SegmentFile) {
      await new Promise((resolve) => setTimeout(resolve, 50))
      return sync.call(this)
    })
    t.after(() => mock.restoreAll())

    // 20 calls in one tick share the first write.
    const first = Array.from({ length: 20 }, (_, i) => log.append(recordsOf(i, 1)))
    await new Promise((resolve) => setTimeout(resolve, 20))
    // These arrive while the first fsync is running: together they make the second write.
    const second = Array.from({ length: 30 }, (_, i) => log.append(recordsOf(20 + i, 1)))
    await Promise.all([...first, ...second])
    assert.deepEqual(log.stats, { records: 50, writes: 2, syncs: 2 })
    assert.deepEqual(
      await readAll(log),
      recordsOf(0, 50).map((record) => record.value),
    )
  })

  it('deletes the oldest sealed segments while the partition is over its size limit', async (t) => {
    const options = { segmentBytes: 1000, retentionBytes: 3000, retentionMs: Infinity }
    const { log, directory } = await openLog(t, options)
    for (let i = 0; i < 40; i++) await log.append(recordsOf(i * 5, 5))
    await log.enforceRetention()
    assert.ok(log.sizeBytes <= options.retentionBytes, `${log.sizeBytes} bytes kept`)
    assert.ok(log.startOffset > 0n)
    assert.equal((await readdir(directory)).length, log.segmentCount, 'deleted segments are gone from disk')
    // A reader from 0 continues at the earliest kept offset.
    const read = await log.read(0n, 1)
    assert.equal(read.records[0]?.offset, log.startOffset)
  })

  it('deletes sealed segments whose newest record is too old, but never the active one', async (t) => {
    const options = { segmentBytes: 500, retentionBytes: Infinity, retentionMs: 60_000 }
    const { log } = await openLog(t, options)
    const now = Date.now()
    // Each append of 12 records fills a segment, so the next append starts a new one.
    for (let i = 0; i < 10; i++) await log.append(recordsOf(i * 12, 12, now - 3_600_000))
    for (let i = 10; i < 20; i++) await log.append(recordsOf(i * 12, 12, now))
    // Retention also runs on each roll; whichever run deleted them, the old segments are gone.
    await log.enforceRetention(now)
    assert.equal(log.startOffset, 120n, 'the first kept record is the first recent one')
    assert.equal(log.segmentCount, 10)

    const { log: idle } = await openLog(t, options)
    await idle.append(recordsOf(0, 5, now - 3_600_000))
    assert.equal(await idle.enforceRetention(now), 0)
    assert.equal(idle.endOffset, 5n)
  })
})
