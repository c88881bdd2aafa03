/**
 * The alternative issue 11 asked to measure: the embedded log as a table in Node's built-in
 * `node:sqlite` (WAL, synchronous=FULL: every publish is durable when it returns, as with the
 * embedded log's fsync), with the same records, publishers and read-back as embedded-log.bench.ts.
 * It is a minimal log (append with per-partition offsets, read by offset range, commit per batch),
 * not an adapter: enough to compare speed, durability and event-loop blocking.
 *
 *   npx node bench/sqlite-log.bench.ts [--records 200000] [--publishers 16] [--batches 100,1000]
 *                                      [--partitions 4] [--dir /path/on/the/disk/to/measure]
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { DatabaseSync } from 'node:sqlite'
import { parseArgs } from 'node:util'
import type { OutgoingRecord } from '../src/broker/broker.ts'
import { partitionForKey } from '../src/broker/key-partitioner.ts'
import { BENCH_TOPIC, perSecond, recordBatches } from './lib/log-records.ts'

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '200000' },
    publishers: { type: 'string', default: '16' },
    batches: { type: 'string', default: '100,1000' },
    partitions: { type: 'string', default: '4' },
    dir: { type: 'string', default: tmpdir() },
  },
})
const total = Number(args.records)
const publishers = Number(args.publishers)
const partitions = Number(args.partitions)

function openLog(file: string) {
  const db = new DatabaseSync(file)
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;')
  db.exec(`CREATE TABLE records (topic TEXT, partition INTEGER, offset INTEGER, key TEXT, value BLOB,
             PRIMARY KEY (topic, partition, offset)) WITHOUT ROWID;
           CREATE TABLE group_offsets (group_id TEXT, topic TEXT, partition INTEGER, next_offset INTEGER,
             PRIMARY KEY (group_id, topic, partition)) WITHOUT ROWID;`)
  const append = db.prepare('INSERT INTO records VALUES (?, ?, ?, ?, ?)')
  const read = db.prepare(
    'SELECT offset, key, value FROM records WHERE topic = ? AND partition = ? AND offset >= ? ORDER BY offset LIMIT ?',
  )
  const commit = db.prepare(
    `INSERT INTO group_offsets VALUES (?, ?, ?, ?)
     ON CONFLICT (group_id, topic, partition) DO UPDATE SET next_offset = excluded.next_offset`,
  )
  const nextOffset = new Array<number>(partitions).fill(0)
  return {
    /** One transaction per publish call; it returns once SQLite has fsynced the WAL. */
    publish(records: readonly OutgoingRecord[]) {
      db.exec('BEGIN')
      for (const record of records) {
        const partition = partitionForKey(record.key ?? '', partitions)
        const offset = nextOffset[partition] ?? 0
        nextOffset[partition] = offset + 1
        append.run(record.topic, partition, offset, record.key ?? null, record.value)
      }
      db.exec('COMMIT')
    },
    readAndCommit(group: string, partition: number, from: number, limit: number): number {
      const rows = read.all(BENCH_TOPIC, partition, from, limit)
      if (rows.length > 0) commit.run(group, BENCH_TOPIC, partition, from + rows.length)
      return rows.length
    },
    close: () => db.close(),
  }
}

async function run(batchSize: number): Promise<void> {
  const directory = await mkdtemp(join(args.dir, 'flowline-bench-'))
  const log = openLog(join(directory, 'log.db'))
  try {
    const batches = recordBatches(total, batchSize)
    let nextCall = 0
    const loopDelay = monitorEventLoopDelay({ resolution: 1 })
    loopDelay.enable()
    const publishStart = performance.now()
    // The same publishers as the embedded-log bench; node:sqlite is synchronous, so each publish
    // holds the event loop (and every HTTP request of the process) for its whole transaction.
    await Promise.all(
      Array.from({ length: publishers }, async () => {
        for (let call = nextCall++; call < batches.length; call = nextCall++) {
          log.publish(batches[call] ?? [])
          await new Promise((resolve) => setImmediate(resolve))
        }
      }),
    )
    const publishMs = performance.now() - publishStart
    loopDelay.disable()

    const consumeStart = performance.now()
    let consumed = 0
    for (let partition = 0; partition < partitions; partition++) {
      for (let from = 0, read = 1; read > 0; from += read) {
        read = log.readAndCommit('bench', partition, from, 1000)
        consumed += read
      }
    }
    const consumeMs = performance.now() - consumeStart
    console.log(
      [
        `batch ${batchSize}, ${publishers} publishers, ${partitions} partitions:`,
        `  publish  ${total.toLocaleString('en-US')} records in ${Math.round(publishMs)} ms: ${perSecond(total, publishMs)} records/s, ${batches.length} transactions`,
        `           event loop blocked at most ${(loopDelay.max / 1e6).toFixed(1)} ms (p99 ${(loopDelay.percentile(99) / 1e6).toFixed(1)} ms)`,
        `  consume  ${consumed.toLocaleString('en-US')} records in ${Math.round(consumeMs)} ms: ${perSecond(consumed, consumeMs)} records/s (commit per batch of up to 1000)`,
      ].join('\n'),
    )
  } finally {
    log.close()
    await rm(directory, { recursive: true, force: true })
  }
}

console.log(`node:sqlite log, ${total.toLocaleString('en-US')} records of ~90 bytes, data in ${args.dir}`)
for (const batchSize of args.batches.split(',').map(Number)) await run(batchSize)
