// What the two copies of a produce request's record batch cost in @platformatic/kafka 2.12.1:
// `finalizeRecordsBatch` concatenates every chunk to compute the CRC32C, and the connection
// concatenates them again to write the request. No broker is needed.
//
//   node platformatic-kafka-record-batch-copies.mjs [records=1000] [rounds=2000]
import { crc32c as nativeCrc32c } from '@node-rs/crc32'
import { createRecordsBatch } from '@platformatic/kafka'

const records = Number(process.argv[2] ?? 1000)
const rounds = Number(process.argv[3] ?? 2000)

// Messages shaped like a sensor pipeline's: a sensor id key and a ~90-byte JSON value, already
// serialised (the producer serialises before it builds the batch).
function messages() {
  const now = BigInt(Date.now())
  return Array.from({ length: records }, (_, i) => ({
    topic: 'temperatures',
    partition: 0,
    key: Buffer.from(`sensor-${i % 20000}`),
    value: Buffer.from(
      JSON.stringify({
        sensor_id: `sensor-${i % 20000}`,
        temperature: 21.5,
        timestamp: new Date().toISOString(),
      }),
    ),
    timestamp: now,
  }))
}

function time(label, work) {
  for (let i = 0; i < Math.min(200, rounds); i++) work(i) // warm up
  const started = process.hrtime.bigint()
  for (let i = 0; i < rounds; i++) work(i)
  const ns = Number(process.hrtime.bigint() - started) / rounds / records
  console.log(`${label.padEnd(62)} ${ns.toFixed(1).padStart(7)} ns a record`)
  return ns
}

const batches = Array.from({ length: 8 }, messages)
const built = createRecordsBatch(batches[0], { producerId: 1n, producerEpoch: 0 })
const chunks = built.buffers
const bytes = built.length
console.log(
  `@platformatic/kafka 2.12.1, Node ${process.versions.node}: ${records} records a batch, ${bytes} bytes in ${chunks.length} chunks`,
)

const whole = time('createRecordsBatch (one concat for the CRC inside)', (i) =>
  createRecordsBatch(batches[i % batches.length], { producerId: 1n, producerEpoch: 0 }),
)
const concat = time('Buffer.concat of its chunks (each copy)', () => Buffer.concat(chunks, bytes))
const crcWhole = time('CRC32C over the concatenated batch (as now)', () =>
  nativeCrc32c(Buffer.concat(chunks, bytes)),
)
const crcChunks = time('CRC32C chunk by chunk (initialState), no copy', () => {
  let crc = 0
  for (const chunk of chunks) crc = nativeCrc32c(chunk, crc)
  return crc
})

let crc = 0
for (const chunk of chunks) crc = nativeCrc32c(chunk, crc)
if (crc !== nativeCrc32c(Buffer.concat(chunks, bytes))) throw new Error('chunked CRC32C differs')
console.log('chunked CRC32C equals the CRC32C of the concatenated batch: yes')
console.log(
  `${(chunks.length / records).toFixed(1)} chunks a record; the two copies of a request cost ~${(2 * concat).toFixed(1)} ns a record, ` +
    `building the batch ${whole.toFixed(1)}; a CRC chunk by chunk costs more than the copy it saves ` +
    `(${crcChunks.toFixed(1)} against ${crcWhole.toFixed(1)} ns), so the lever is fewer chunks`,
)
