import { setTimeout as sleep } from 'node:timers/promises'
import { drainTopic, query } from '../../harness/index.ts'
import { KafkaBroker } from '../../src/broker/kafka/kafka-broker.ts'
import { checkInventory } from '../../src/inventory/inventory-check.ts'
import { PostgresStorage } from '../../src/storage/postgres-storage.ts'
import type { ScenarioRun } from './scenario-run.ts'
import type { StockLoad } from './stock-load.ts'

const ids = async (url: string, where: string) =>
  new Set(
    (
      (await query(url, `SELECT movement_id FROM stock_movements ${where}`)) as Array<{ movement_id: string }>
    ).map((row) => row.movement_id),
  )

/**
 * Stops the stock load, waits until every acknowledged movement is decided, then checks the
 * stock promises: none lost, none decided twice, levels equal the applied ledger, nothing
 * negative, every refusal in the errors topic with its code (copies after a crash are allowed).
 */
export async function checkStock(run: ScenarioRun, load: StockLoad, settleMs: number): Promise<void> {
  await load.stop()
  run.event(
    'stock load stopped',
    `${load.acknowledged.size} movement ids acknowledged, ${load.sent} records sent, ${load.failedPublishes} failed publishes`,
  )
  const started = Date.now()
  let decided = 0
  while (Date.now() - started < settleMs) {
    const rows = (await query(run.databaseUrl, 'SELECT count(*)::int AS n FROM stock_movements').catch(() => [
      { n: decided },
    ])) as Array<{ n: number }>
    decided = Number(rows[0]?.n ?? 0)
    if (decided >= load.acknowledged.size) break
    await sleep(1000)
  }
  await sleep(1000) // a late second decision from a redelivery would show up now
  const stored = await ids(run.databaseUrl, '')
  const rows = (await query(run.databaseUrl, 'SELECT count(*)::int AS n FROM stock_movements')) as Array<{
    n: number
  }>
  const lost = [...load.acknowledged].filter((id) => !stored.has(id))
  const storage = new PostgresStorage({ connectionString: run.databaseUrl })
  const inventory = await checkInventory(storage.db).finally(() => storage.close())
  const refused = await ids(run.databaseUrl, "WHERE status = 'refused'")
  const broker = new KafkaBroker({
    bootstrapBrokers: [run.bootstrap],
    clientId: 'faults-stock-errors',
    requestTimeoutMs: 10_000,
  })
  const deadLetters = await drainTopic(broker, `${run.topic}-errors`, refused.size, 60_000).finally(() =>
    broker.close(),
  )
  const dead = new Set(
    deadLetters
      .map((record) => JSON.parse(record.value.toString('utf8')))
      .filter((entry) => entry.code === 'INSUFFICIENT_STOCK' && /^INSUFFICIENT_STOCK: /.test(entry.reason))
      .map((entry) => JSON.parse(entry.payload).movement_id),
  )
  const withoutDeadLetter = [...refused].filter((id) => !dead.has(id))
  run.metrics.stock = {
    acknowledged: load.acknowledged.size,
    sent: load.sent,
    decided: Number(rows[0]?.n ?? 0),
    applied: inventory.appliedMovements,
    refused: inventory.refusedMovements,
    deadLetters: deadLetters.length,
  }
  run.check(
    'stock: every acknowledged movement decided (none lost)',
    lost.length === 0,
    `${lost.length} lost of ${load.acknowledged.size}, decided ${Date.now() - started} ms after the load stopped`,
  )
  run.check(
    'stock: no movement decided twice',
    stored.size === Number(rows[0]?.n),
    `${rows[0]?.n} ledger rows, ${stored.size} movement ids`,
  )
  run.check(
    'stock: levels equal the applied ledger, nothing negative',
    inventory.mismatches.length === 0 && inventory.negatives === 0,
    `${inventory.mismatches.length} levels differ, ${inventory.negatives} negative; ${inventory.appliedMovements} applied, ${inventory.refusedMovements} refused`,
  )
  run.check(
    'stock: every refusal in errors with INSUFFICIENT_STOCK and its reason',
    withoutDeadLetter.length === 0 && refused.size > 0,
    `${refused.size} refused, ${withoutDeadLetter.length} without a dead letter, ${deadLetters.length} dead letters read`,
  )
}
