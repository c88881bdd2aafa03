import { checkAlive } from '../lib/outage.ts'
import type { Scenario } from '../lib/scenario.ts'
import { checkStock } from '../lib/stock-checker.ts'
import { STOCK_SAVER_START_MS, StockLoad, stockSaverFlags } from '../lib/stock-load.ts'

/**
 * The stock consumer (`saver --streams stock-movements`, two members) SIGKILLed and restarted in
 * a loop while producers race sales against receipts: every acknowledged movement is decided once
 * (a killed batch is redelivered and found decided by its movement_id), levels equal the ledger,
 * and every refusal reaches `errors` with INSUFFICIENT_STOCK.
 */
export const stockSaverKill: Scenario = {
  id: 15,
  slug: 'stock-saver-kill',
  title: 'Stock consumer SIGKILLed and restarted in a loop under racing sales',
  promises: ['P1', 'P2'],
  async run(run) {
    const saver = await run.startRole('saver', 'stock-saver', stockSaverFlags(run), STOCK_SAVER_START_MS)
    const load = new StockLoad(run, { ratePerS: 400, skus: 50 })
    load.start()
    try {
      await run.sleep(3000)
      const kills = run.short ? 2 : 8
      for (let k = 1; k <= kills; k++) {
        await run.sleep(1000 + Math.random() * 3000)
        await saver.kill()
        run.event('fault', `stock-saver SIGKILLed (${k}/${kills})`)
        await run.sleep(500)
        await saver.start()
      }
      run.heal('stock-saver running')
      await run.sleep(3000)
      await checkStock(run, load, run.short ? 120_000 : 300_000)
      checkAlive(run, [saver])
    } finally {
      await load.close()
    }
  },
}
