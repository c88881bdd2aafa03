import { metricSum } from '../../harness/index.ts'
import { checkAlive } from '../lib/outage.ts'
import type { Scenario } from '../lib/scenario.ts'
import { checkStock } from '../lib/stock-checker.ts'
import { STOCK_SAVER_START_MS, StockLoad, stockGroup, stockSaverFlags } from '../lib/stock-load.ts'
import { freezeAsZombie } from '../lib/zombie.ts'

/**
 * Two stock consumers share the group. A is frozen (SIGSTOP) with a batch in hand: its ledger
 * INSERT held at the gate and canceled under it, so that on waking it retries the whole batch
 * (levels read again, decided ids read again). A stays frozen past its session timeout, B takes
 * its partitions and applies A's batch; then A wakes as a zombie and writes its stale batch. The
 * sink's guards (movement_id primary key, levels updated only if still as read) must make that
 * write harmless: nothing twice, nothing lost, levels equal the ledger. A's metrics show that it
 * did write: a batch of its stock movements came back entirely already decided (movement_id), so
 * the guards held rather than the zombie never writing.
 */

/** Batches of stock movements the sink found entirely decided already (`src/streams/stream-consumer.ts`). */
const STALE_STOCK_BATCHES = 'flowline_stream_stale_batches_total{stream="stock-movements"}'
export const zombieStockSaver: Scenario = {
  id: 16,
  slug: 'zombie-stock-saver',
  title:
    'Two stock consumers; one frozen past its session timeout (zombie) with a batch in hand, then resumed',
  promises: ['P1', 'P2', 'P6'],
  async run(run) {
    const flags = { ...stockSaverFlags(run), consumers: 1 }
    const a = await run.startRole('saver', 'stock-saver-a', flags, STOCK_SAVER_START_MS)
    const b = await run.startRole('saver', 'stock-saver-b', flags, STOCK_SAVER_START_MS)
    const load = new StockLoad(run, { ratePerS: 400, skus: 50 })
    load.start()
    try {
      await run.sleep(5000)
      const membersBefore = await run.probe.groupMembers(stockGroup(run))
      const staleBefore = metricSum(await a.metrics(), STALE_STOCK_BATCHES)
      const skippedBefore = metricSum(await a.metrics(), 'flowline_duplicates_skipped_total')
      const { membersDuring } = await freezeAsZombie(run, {
        victim: a,
        gatePoint: 'stockLedger',
        group: stockGroup(run),
        blockedTimeoutMs: 20_000,
      })
      await run.sleep(5000)
      const staleAfter = metricSum(await a.metrics(), STALE_STOCK_BATCHES)
      const skippedAfter = metricSum(await a.metrics(), 'flowline_duplicates_skipped_total')
      run.heal('both stock consumers run')
      await run.sleep(run.short ? 5000 : 10_000)
      run.metrics.zombie = {
        membersBefore,
        membersDuring,
        staleBefore,
        staleAfter,
        skippedBefore,
        skippedAfter,
      }
      run.check(
        'the frozen stock consumer was expelled and its partitions taken over',
        membersBefore === 2 && membersDuring === 1,
        `stock group members: ${membersBefore} before, ${membersDuring} while stock-saver-a was frozen (expected 2 and 1)`,
      )
      run.check(
        'the zombie wrote its stale batch, and the sink found every movement of it already decided',
        staleAfter > staleBefore && skippedAfter > skippedBefore,
        `stock-saver-a: ${staleAfter - staleBefore} batch(es) entirely already decided and ` +
          `${skippedAfter - skippedBefore} movements skipped by movement_id after waking`,
      )
      await checkStock(run, load, run.short ? 120_000 : 300_000)
      checkAlive(run, [a, b])
    } finally {
      await load.close()
    }
  },
}
