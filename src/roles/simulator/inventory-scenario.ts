import { setTimeout as sleep } from 'node:timers/promises'
import { Pool } from 'undici'
import { isRetryableStatus, retryDelayMs } from './retry-policy.ts'
import { seededRandom } from './sensor-signal.ts'

export interface InventoryScenarioOptions {
  readonly targetUrl: string
  /** Products in the catalog. */
  readonly products: number
  /** Shop steps per second (a view, a cart, a purchase...); 0 as fast as the server answers. */
  readonly rate: number
  /** Items per request. */
  readonly batch: number
  /** Stop after this many steps; 0 for no limit. */
  readonly count: number
  readonly durationS: number
  /** Share of deliberately bad or conflicting messages, from 0 to 1. */
  readonly faultyRatio: number
  readonly seed?: number
  /** Sent as `Authorization: Bearer`: a device token or an API key. */
  readonly token?: string
  readonly signal?: AbortSignal
  readonly onProgress?: (line: string) => void
}

export interface InventorySummary {
  steps: number
  events: number
  movements: number
  accepted: number
  rejected: number
  failed: number
  elapsedS: number
}

type Item = Record<string, unknown>

/**
 * `flowline simulate --scenario inventory`: a catalog (version 1 of each product through
 * `POST /product-versions`), opening receipts, then a shop funnel: many views, fewer carts, fewer
 * purchases (each with its sale movement, so popular products run out and later sales are
 * refused with INSUFFICIENT_STOCK), some returns, restocking receipts, and with `--faulty` bad
 * items (refused with 400) and conflicting ones (a movement id sent again with another quantity,
 * applied once).
 */
export async function runInventoryScenario(options: InventoryScenarioOptions): Promise<InventorySummary> {
  const random = seededRandom(options.seed ?? Date.now())
  const pool = new Pool(options.targetUrl, { connections: 4 })
  const summary: InventorySummary = {
    steps: 0,
    events: 0,
    movements: 0,
    accepted: 0,
    rejected: 0,
    failed: 0,
    elapsedS: 0,
  }
  const sku = (i: number) => `SKU-${String(i).padStart(5, '0')}`
  // A few products draw most of the traffic, as in a real shop.
  const pick = () => sku(Math.floor(options.products * random() ** 3))
  const now = () => new Date().toISOString()
  let sequence = 0
  const id = (prefix: string) => `${prefix}-${options.seed ?? 'run'}-${Date.now().toString(36)}-${sequence++}`

  const post = async (path: string, items: Item[]): Promise<void> => {
    for (let attempt = 0; attempt < 8; attempt++) {
      try {
        const response = await pool.request({
          method: 'POST',
          path,
          headers: {
            'content-type': 'application/json',
            ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          },
          body: JSON.stringify(items),
        })
        await response.body.dump()
        if (response.statusCode === 202) {
          summary.accepted += items.length
          return
        }
        if (!isRetryableStatus(response.statusCode)) {
          summary.rejected += items.length
          return
        }
        await sleep(retryDelayMs(attempt, response.headers['retry-after'] as string | undefined, random))
      } catch {
        await sleep(retryDelayMs(attempt, undefined, random))
      }
    }
    summary.failed += items.length
  }

  const startedAt = performance.now()
  try {
    const catalog = Array.from({ length: options.products }, (_, i) => ({
      sku: sku(i),
      name: `Product ${i}`,
      category: ['kitchen', 'garden', 'toys', 'books'][i % 4],
      price: `${1 + Math.floor(random() * 200)}.${String(Math.floor(random() * 100)).padStart(2, '0')}`,
      version: 1,
      low_stock_threshold: 5,
    }))
    for (let i = 0; i < catalog.length; i += 500) await post('/product-versions', catalog.slice(i, i + 500))
    const receipts = catalog.map((product) => ({
      movement_id: id('open'),
      sku: product.sku,
      warehouse: 'main',
      kind: 'receipt',
      quantity: 10 + Math.floor(random() * 40),
      timestamp: now(),
    }))
    for (let i = 0; i < receipts.length; i += 500) await post('/stock-movements', receipts.slice(i, i + 500))
    summary.movements += receipts.length

    const deadline = options.durationS > 0 ? startedAt + options.durationS * 1000 : Number.POSITIVE_INFINITY
    let lastProgress = performance.now()
    while (
      !options.signal?.aborted &&
      performance.now() < deadline &&
      (options.count === 0 || summary.steps < options.count)
    ) {
      const events: Item[] = []
      const movements: Item[] = []
      for (let step = 0; step < options.batch; step++) {
        const product = pick()
        const roll = random()
        const type =
          roll < 0.7 ? 'viewed' : roll < 0.9 ? 'added_to_cart' : roll < 0.98 ? 'purchased' : 'returned'
        const quantity = type === 'purchased' || type === 'returned' ? 1 + Math.floor(random() * 2) : 1
        const session = `session-${Math.floor(random() * 1000)}`
        events.push({
          event_id: id('ev'),
          sku: product,
          type,
          timestamp: now(),
          quantity,
          session_id: session,
        })
        if (type === 'purchased')
          movements.push({
            movement_id: id('sale'),
            sku: product,
            warehouse: 'main',
            kind: 'sale',
            quantity: -quantity,
            timestamp: now(),
            reference: session,
          })
        if (type === 'returned')
          movements.push({
            movement_id: id('ret'),
            sku: product,
            warehouse: 'main',
            kind: 'receipt',
            quantity,
            timestamp: now(),
            reference: session,
          })
        if (random() < 0.01)
          movements.push({
            movement_id: id('restock'),
            sku: pick(),
            warehouse: 'main',
            kind: 'receipt',
            quantity: 20,
            timestamp: now(),
          })
        if (random() < options.faultyRatio) {
          // One bad item refuses its whole request (400): sent alone so the rest still flows.
          await post('/product-events', [
            { event_id: id('bad'), sku: product, type: 'liked', timestamp: now() },
          ])
          const last = movements.at(-1)
          if (last) movements.push({ ...last, quantity: Number(last.quantity) * 2 })
        }
      }
      await Promise.all([
        post('/product-events', events),
        movements.length > 0 ? post('/stock-movements', movements) : undefined,
      ])
      summary.steps += options.batch
      summary.events += events.length
      summary.movements += movements.length
      if (options.onProgress && performance.now() - lastProgress >= 1000) {
        lastProgress = performance.now()
        options.onProgress(
          `inventory: ${summary.steps} steps, ${summary.accepted} accepted, ${summary.rejected} rejected, ${summary.failed} failed`,
        )
      }
      if (options.rate > 0) {
        const due = startedAt + (summary.steps / options.rate) * 1000
        const wait = due - performance.now()
        if (wait > 0) await sleep(wait)
      }
    }
  } finally {
    summary.elapsedS = Math.round((performance.now() - startedAt) / 100) / 10
    await pool.close()
  }
  return summary
}
