/**
 * Rows of the inventory answers whose routes declare no response schema yet (movements, events,
 * stock alerts): typed here after the server's repositories until the OpenAPI document carries
 * them, then replaced by `Ok<...>`.
 */
export interface Movement {
  readonly seq: string
  readonly movement_id: string
  readonly warehouse: string
  readonly kind: string
  readonly quantity: number
  readonly timestamp: string
  readonly reference: string | null
  readonly status: 'applied' | 'refused'
  readonly refusal: { code: string; reason: string } | null
}

export interface ProductEvent {
  readonly event_id: string
  readonly type: string
  readonly timestamp: string
  readonly quantity: number
  readonly session_id: string | null
  readonly customer_id: string | null
}

export interface StockAlert {
  readonly id: string
  readonly sku: string
  readonly warehouse: string
  readonly state: 'open' | 'resolved'
  readonly available: number
  readonly threshold: number
  readonly at: string
}

export interface Paged<T> {
  readonly items: T[]
  readonly next_cursor: string | null
}
