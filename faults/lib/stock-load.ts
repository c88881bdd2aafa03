import { setTimeout as sleep } from 'node:timers/promises'
import { KafkaBroker } from '../../src/broker/kafka/kafka-broker.ts'
import type { ScenarioRun } from './scenario-run.ts'

/** The flags that make a scenario's saver consume the stock stream of this run (beside the empty measurement one). */
export function stockSaverFlags(run: ScenarioRun): Record<string, string | number> {
  return {
    streams: 'measurements,stock-movements',
    'stock-topic': stockTopic(run),
    'inventory-group-prefix': `${run.group}-inv-`,
    'batch-size': 200,
  }
}

/**
 * How long a stock saver may take to answer /health. A lone saver restarted after a SIGKILL joins
 * a group whose killed members are still registered: it waits for their session to expire and the
 * rebalance to end (75 s measured on the shared machine; a start there took up to 90 s more at load 30).
 */
export const STOCK_SAVER_START_MS = 300_000

export const stockTopic = (run: ScenarioRun) => `${run.topic}-stock`
export const stockGroup = (run: ScenarioRun) => `${run.group}-inv-stock`

/**
 * Stock movements published straight to Kafka (acks=all) at `ratePerS`: one receipt of 10 for
 * every 12 sales of 1 over `skus` products, so stock keeps running out and sales are refused;
 * one movement in 20 is sent twice (a retried producer). `acknowledged` holds the movement ids
 * the broker acknowledged: each must be decided exactly once.
 */
export class StockLoad {
  readonly acknowledged = new Set<string>()
  sent = 0
  failedPublishes = 0
  readonly #broker: KafkaBroker
  readonly #topic: string
  readonly #prefix: string
  readonly #ratePerS: number
  readonly #skus: number
  #running = false
  #loop: Promise<void> | undefined

  constructor(run: ScenarioRun, options: { ratePerS: number; skus: number }) {
    this.#broker = new KafkaBroker({
      bootstrapBrokers: [run.bootstrap],
      clientId: `faults-stock-${run.scenario.id}`,
      requestTimeoutMs: 10_000,
    })
    this.#topic = stockTopic(run)
    this.#prefix = `s${run.scenario.id}-${run.suite.runId}`
    this.#ratePerS = options.ratePerS
    this.#skus = options.skus
  }

  start(): void {
    this.#running = true
    this.#loop = this.#produce()
  }

  async stop(): Promise<void> {
    this.#running = false
    await this.#loop
  }

  async close(): Promise<void> {
    await this.stop()
    await this.#broker.close()
  }

  async #produce(): Promise<void> {
    const at = new Date().toISOString()
    let i = 0
    while (this.#running) {
      const batch = []
      for (let n = 0; n < this.#ratePerS / 10; n++, i++) {
        const sku = `${this.#prefix}-sku-${i % this.#skus}`
        const receipt = i % 13 === 0
        const movement = {
          movement_id: `${this.#prefix}-m${i}`,
          sku,
          warehouse: 'w1',
          kind: receipt ? 'receipt' : 'sale',
          quantity: receipt ? 10 : -1,
          timestamp: at,
        }
        const record = { topic: this.#topic, key: sku, value: JSON.stringify(movement) }
        batch.push(record)
        if (i % 20 === 7) batch.push(record)
      }
      this.sent += batch.length
      try {
        await this.#broker.publish(batch)
        for (const record of batch) this.acknowledged.add(JSON.parse(record.value).movement_id)
      } catch {
        this.failedPublishes += 1
      }
      await sleep(100)
    }
  }
}
