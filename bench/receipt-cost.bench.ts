/**
 * What a per-request receipt in ingest's 202 would cost (issue 12: "partition and offset ranges
 * ... do it if it stays cheap"). Measures, in one process, the CPU per request of the part ingest
 * would add: mapping a request's records to the offsets the broker acknowledged for the coalesced
 * produce batch (a request's records sit at known positions inside it), folding them into
 * `{partition, first, last}` ranges and serialising them in the answer, against today's
 * `{"accepted": n}`. Not measured: the broker interface returning offsets (the Kafka client
 * receives a base offset per partition already) and `GET /receipts`' read of the group's
 * committed offsets (one admin request per lookup, or a cache).
 *
 *   node bench/receipt-cost.bench.ts [--requests 200000] [--partitions 12]
 */
import { parseArgs } from 'node:util'

const { values } = parseArgs({
  options: { requests: { type: 'string', default: '200000' }, partitions: { type: 'string', default: '12' } },
})
const requests = Number(values.requests)
const partitions = Number(values.partitions)

interface Range {
  partition: number
  first: bigint
  last: bigint
}

/** Records of one request: the partition each went to and its index in that partition's batch. */
function receipt(placed: readonly { partition: number; index: number }[], baseOffsets: readonly bigint[]) {
  const ranges = new Map<number, Range>()
  for (const { partition, index } of placed) {
    const offset = (baseOffsets[partition] ?? 0n) + BigInt(index)
    const range = ranges.get(partition)
    if (!range) ranges.set(partition, { partition, first: offset, last: offset })
    else {
      if (offset < range.first) range.first = offset
      if (offset > range.last) range.last = offset
    }
  }
  return [...ranges.values()].map((range) => ({
    partition: range.partition,
    first: String(range.first),
    last: String(range.last),
  }))
}

function cpuPerRequestUs(run: () => void): number {
  for (let i = 0; i < 10_000; i++) run()
  const before = process.cpuUsage()
  for (let i = 0; i < requests; i++) run()
  const used = process.cpuUsage(before)
  return (used.user + used.system) / requests
}

const baseOffsets = Array.from({ length: partitions }, (_, p) => BigInt(1_000_000 + p * 7919))
let sink = 0
for (const size of [1, 100]) {
  const placed = Array.from({ length: size }, (_, i) => ({ partition: (i * 31 + 7) % partitions, index: i }))
  const today = cpuPerRequestUs(() => {
    sink += JSON.stringify({ accepted: size }).length
  })
  const withReceipt = cpuPerRequestUs(() => {
    sink += JSON.stringify({ accepted: size, receipt: receipt(placed, baseOffsets) }).length
  })
  process.stdout.write(
    `${JSON.stringify({ measurementsPerRequest: size, partitions, todayUs: +today.toFixed(2), withReceiptUs: +withReceipt.toFixed(2), addedUs: +(withReceipt - today).toFixed(2) })}\n`,
  )
}
if (sink === 0) process.stdout.write('\n')
