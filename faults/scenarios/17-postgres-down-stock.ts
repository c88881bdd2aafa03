import { checkAlive } from '../lib/outage.ts'
import type { Scenario } from '../lib/scenario.ts'
import { checkStock } from '../lib/stock-checker.ts'
import { STOCK_SAVER_START_MS, StockLoad, stockSaverFlags } from '../lib/stock-load.ts'

/**
 * PostgreSQL stopped with `pg_ctl -m immediate` under the stock load: the stock consumer holds
 * its batch and retries; after crash recovery it applies the backlog. A batch whose commit the
 * outage cut short is either durable (found decided on the retry) or gone (applied again once).
 */
export const postgresDownStock: Scenario = {
  id: 17,
  slug: 'postgres-down-stock',
  title: 'PostgreSQL stopped (pg_ctl -m immediate) under the stock consumer, then restarted',
  promises: ['P1', 'P2', 'P5'],
  async run(run) {
    const saver = await run.startRole('saver', 'stock-saver', stockSaverFlags(run), STOCK_SAVER_START_MS)
    const load = new StockLoad(run, { ratePerS: 400, skus: 50 })
    load.start()
    try {
      await run.sleep(5000)
      await run.services.postgres.stopImmediate()
      run.event('fault', 'PostgreSQL stopped with pg_ctl -m immediate')
      await run.sleep(run.short ? 10_000 : 30_000)
      await run.services.postgres.start()
      run.heal('PostgreSQL started again (crash recovery)')
      await run.sleep(run.short ? 5000 : 10_000)
      await checkStock(run, load, run.short ? 120_000 : 300_000)
      checkAlive(run, [saver])
    } finally {
      await load.close()
    }
  },
}
