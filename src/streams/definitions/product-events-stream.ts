import { ProductEventV1 } from '../../inventory/inventory-schemas.ts'
import { ProductEventsRepository } from '../../storage/inventory/product-events-repository.ts'
import type { StreamDefinition } from '../stream-definition.ts'
import { versionedPayload } from '../versioned-payload.ts'

const payload = versionedPayload(
  'product-events',
  { 1: ProductEventV1 },
  (_version, fields) => fields as ProductEventV1,
)

/** The shop funnel (views, carts, purchases, returns), appended once per event_id. */
export const productEventsStream: StreamDefinition<ProductEventV1> = {
  name: 'product-events',
  description: 'views, carts, purchases and returns appended to `product_events`',
  versions: payload.versions,
  keyField: 'sku',
  idempotencyKey: 'event_id',
  topic: (config) => config.productEventsTopic,
  groupId: (config) => `${config.inventoryGroupPrefix}product-events`,
  decode(value) {
    const result = payload.check(value)
    return result.ok ? { ok: true, item: result.value } : result
  },
  createSink(storage) {
    const repository = new ProductEventsRepository(storage.db)
    return {
      async write(events) {
        const applied = await repository.append(events)
        return { applied, duplicates: events.length - applied, refused: [] }
      },
    }
  },
}
