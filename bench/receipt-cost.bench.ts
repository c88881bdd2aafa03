/**
 * What the per-request receipts in ingest's 202 cost (issue 12: "partition and offset ranges ...
 * do it if it stays cheap"). Measures, in one process, the CPU per request of the part ingest
 * adds: folding the positions the broker acknowledged for a request's records into
 * `{topic, partition, from_offset, to_offset}` ranges (`receiptsOf`, the code ingest runs) and
 * serialising them in the answer, against a bare `{"accepted": n}`. Not measured here: deriving
 * each record's offset from the broker's base offsets (`positionsOf`, one Map step per record) and
 * `GET /receipts`' read of the group's committed offsets (one broker request per lookup).
 *
 *   node bench/receipt-cost.bench.ts [--requests 200000] [--partitions 12]
 */
import { parseArgs } from 'node:util'
import type { RecordPosition } from '../src/broker/broker.ts'
import { receiptsOf } from '../src/roles/ingest/receipts.ts'

const { values } = parseArgs({
  options: { requests: { type: 'string', default: '200000' }, partitions: { type: 'string', default: '12' } },
})
const requests = Number(values.requests)
const partitions = Number(values.partitions)

function cpuPerRequestUs(run: () => void): number {
  for (let i = 0; i < 10_000; i++) run()
  const before = process.cpuUsage()
  for (let i = 0; i < requests; i++) run()
  const used = process.cpuUsage(before)
  return (used.user + used.system) / requests
}

let sink = 0
for (const size of [1, 100]) {
  // A request's records spread over the partitions, each partition's run consecutive in the log.
  const next = Array.from({ length: partitions }, (_, p) => BigInt(1_000_000 + p * 7919))
  const positions: RecordPosition[] = Array.from({ length: size }, (_, i) => {
    const partition = (i * 31 + 7) % partitions
    const offset = next[partition] as bigint
    next[partition] = offset + 1n
    return { topic: 'temperatures', partition, offset }
  })
  const today = cpuPerRequestUs(() => {
    sink += JSON.stringify({ accepted: size }).length
  })
  const withReceipts = cpuPerRequestUs(() => {
    sink += JSON.stringify({ accepted: size, receipts: receiptsOf(positions) }).length
  })
  process.stdout.write(
    `${JSON.stringify({ measurementsPerRequest: size, partitions, bareUs: +today.toFixed(2), withReceiptsUs: +withReceipts.toFixed(2), addedUs: +(withReceipts - today).toFixed(2) })}\n`,
  )
}
if (sink === 0) process.stdout.write('\n')
