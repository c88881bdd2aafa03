import { ProductV1 } from '../../inventory/inventory-schemas.ts'
import { ProductsRepository } from '../../storage/inventory/products-repository.ts'
import type { StreamDefinition } from '../stream-definition.ts'
import { versionedPayload } from '../versioned-payload.ts'

const payload = versionedPayload('products', { 1: ProductV1 }, (_version, fields) => fields as ProductV1)

/** The catalog: the newest version of each sku wins, whatever the arrival order. */
export const productsStream: StreamDefinition<ProductV1> = {
  name: 'products',
  description: 'product versions into `products` (an older version never overwrites a newer one)',
  versions: payload.versions,
  keyField: 'sku',
  idempotencyKey: '(sku, version)',
  topic: (config) => config.productsTopic,
  groupId: (config) => `${config.inventoryGroupPrefix}products`,
  decode(value) {
    const result = payload.check(value)
    return result.ok ? { ok: true, item: result.value } : result
  },
  createSink(storage) {
    const repository = new ProductsRepository(storage.db)
    return {
      async write(products) {
        const applied = await repository.upsert(products)
        return { applied, duplicates: products.length - applied, refused: [] }
      },
    }
  },
}
