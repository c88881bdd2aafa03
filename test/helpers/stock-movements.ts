/**
 * Movements of one product in warehouse `w1` at one time, named `<sku>-<id>` with the reference
 * `order-<id>`, as the dead-letter tests send and correct them.
 */
export function movementsOf(sku: string, timestamp: string) {
  return (id: string, kind: 'receipt' | 'sale', quantity: number) => ({
    movement_id: `${sku}-${id}`,
    sku,
    warehouse: 'w1',
    kind,
    quantity,
    timestamp,
    reference: `order-${id}`,
  })
}
