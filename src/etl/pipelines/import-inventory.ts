import { Type } from '@sinclair/typebox'
import type { IncomingRecord, OutgoingRecord } from '../../broker/broker.ts'
import { FlowlineError } from '../../errors.ts'
import { ProductV1, StockMovementV1 } from '../../inventory/inventory-schemas.ts'
import { productsStream } from '../../streams/definitions/products-stream.ts'
import { stockMovementsStream } from '../../streams/definitions/stock-movements-stream.ts'
import type { AnyStreamDefinition } from '../../streams/stream-definition.ts'
import { definePipeline, type RunContext } from '../pipeline.ts'
import { readRecords } from './import/records.ts'
import { importRunPolicy, oneOf, sourceParams } from './import/source-params.ts'
import { openSource } from './import/sources.ts'
import { csvRowToItem } from './inventory/csv-items.ts'

/** Records per publish: one produce request each, acknowledged (acks=all) before the next. */
const RECORDS_PER_PUBLISH = 1000

const KINDS = {
  products: { definition: productsStream, schema: ProductV1, topic: 'products' },
  'stock-movements': { definition: stockMovementsStream, schema: StockMovementV1, topic: 'stock' },
} as const
type Kind = keyof typeof KINDS

const Params = Type.Object({
  ...sourceParams,
  stream: oneOf(Object.keys(KINDS) as Kind[], 'products'),
})
interface InventoryParams {
  source: string
  stream: Kind
  compression: 'auto' | 'gzip' | 'none'
  delimiter: string
}

/**
 * Imports a product catalog or stock movements from a CSV whose columns are the stream's payload
 * fields, by publishing them to the stream's topic: the stream consumers apply them (versions,
 * the stock ledger and its never-below-zero rule), the ETL never writes around them. Each row is
 * checked by the stream's own `decode`, as ingest and the consumer check it; a bad one is rejected
 * with its line and reason and nothing of it is sent.
 *
 * A retried run publishes the file again from the start: the consumers are idempotent (a product
 * by (sku, version), a movement by movement_id), so nothing is applied twice.
 */
export const importInventory = definePipeline({
  name: 'import-inventory',
  description: 'CSV catalog (products) or stock movements → their topic, applied by the stream consumers',
  params: Params,
  ...importRunPolicy,
  steps: [
    { name: 'extract-check-publish', run: (context) => publishRows(context as RunContext<InventoryParams>) },
  ],
})

async function publishRows(context: RunContext<InventoryParams>): Promise<void> {
  const { params, counts, signal } = context
  const publisher = context.publisher
  if (!publisher)
    throw new FlowlineError(
      'BAD_REQUEST',
      'This worker has no broker: import-inventory needs one (KAFKA_BROKERS)',
    )
  const { definition, schema, topic: topicKey } = KINDS[params.stream]
  const topic = publisher.topics[topicKey]
  const source = await openSource({ ...params, format: 'csv' }, context.importDir, signal)
  context.log(`reading ${params.source} as ${params.stream} for topic ${topic}`)
  const records = readRecords(source.stream, {
    format: 'csv',
    delimiter: params.delimiter,
    requiredColumns: schema.required ?? [],
  })
  let batch: OutgoingRecord[] = []
  const flush = async () => {
    if (batch.length === 0) return
    await publisher.publish(batch)
    counts.loaded += batch.length
    batch = []
    context.progress(source.bytesRead(), source.bytesTotal)
  }
  try {
    for await (const input of records) {
      counts.read++
      if ('error' in input) {
        context.reject(input.line, input.error, input.raw)
        continue
      }
      const converted = csvRowToItem(schema, input.record)
      const problem = converted.ok ? checkItem(definition, converted.item, topic) : converted.reason
      if (problem !== undefined || !converted.ok) {
        context.reject(input.line, problem ?? 'unreadable row', input.raw)
        continue
      }
      counts.valid++
      const key = String(converted.item[definition.keyField])
      batch.push({ topic, key, value: JSON.stringify(converted.item) })
      if (batch.length === RECORDS_PER_PUBLISH) {
        signal.throwIfAborted()
        await flush()
      }
    }
    await flush()
  } finally {
    source.stream.destroy()
  }
  context.log(`read ${counts.read} rows: ${counts.loaded} published to ${topic}, ${counts.rejected} rejected`)
}

/** The stream's own check (what ingest and the consumer apply), judged as of now; the reason, or undefined. */
function checkItem(definition: AnyStreamDefinition, item: Record<string, unknown>, topic: string) {
  const probe: IncomingRecord = {
    topic,
    partition: 0,
    offset: 0n,
    key: null,
    value: Buffer.alloc(0),
    timestampMs: Date.now(),
  }
  const decoded = definition.decode(item, probe)
  return decoded.ok ? undefined : decoded.rejection.reason
}
