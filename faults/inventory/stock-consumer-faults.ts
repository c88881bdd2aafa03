/**
 * The stock consumer under faults, on private services (own Kafka and PostgreSQL on free ports,
 * never the shared ones): producers publish stock movements (receipts, and sales racing for the
 * stock, 5 % of them sent twice) while the saver (`--streams stock-movements`, 2 members) is
 * SIGKILLed and restarted in a loop, then PostgreSQL is stopped (`-m immediate`) for a while.
 * Judged afterwards: every acknowledged movement decided exactly once (none lost, none twice),
 * levels equal the applied ledger, nothing negative, every refusal in `errors` with its code.
 *
 *   node faults/inventory/stock-consumer-faults.ts [--kills 8] [--outage-s 20] [--rate 400]
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseArgs } from 'node:util'
import {
  allocateLayout,
  query,
  Services,
  scratchDatabase,
  startRole,
  tempStateDir,
  uniqueName,
} from '../../harness/index.ts'
import { KafkaBroker } from '../../src/broker/kafka/kafka-broker.ts'
import { checkInventory } from '../../src/inventory/inventory-check.ts'
import { PostgresStorage } from '../../src/storage/postgres-storage.ts'
import { drainTopic } from '../../test/helpers/topic-reader.ts'

const { values } = parseArgs({
  options: {
    kills: { type: 'string', default: '8' },
    'outage-s': { type: 'string', default: '20' },
    rate: { type: 'string', default: '400' },
    skus: { type: 'string', default: '50' },
  },
})
const kills = Number(values.kills)
const outageS = Number(values['outage-s'])
const rate = Number(values.rate)
const skus = Number(values.skus)
const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`)

const stateDir = tempStateDir('flowline-stock-faults-')
const services = new Services(await allocateLayout(stateDir))
log(`private services under ${stateDir}`)
await services.up()
await mkdir(join(stateDir, 'logs'), { recursive: true })
const database = await scratchDatabase(services.postgres.url())
const names = { stock: uniqueName('stock'), errors: uniqueName('errors'), prefix: `${uniqueName('inv')}-` }
const saverFlags = {
  kafka: services.kafka.url,
  'database-url': database.url,
  streams: 'stock-movements',
  'stock-topic': names.stock,
  'errors-topic': names.errors,
  'inventory-group-prefix': names.prefix,
  partitions: 4,
  consumers: 2,
  'batch-size': 200,
  'log-level': 'warn',
}
const saver = await startRole('saver', {
  flags: saverFlags,
  logDir: join(stateDir, 'logs'),
  label: 'stock-saver',
})
const broker = new KafkaBroker({
  bootstrapBrokers: [services.kafka.url],
  clientId: uniqueName('producer'),
  requestTimeoutMs: 10_000,
})

const acknowledged = new Set<string>()
let sent = 0
let failedPublishes = 0
let producing = true
const at = new Date().toISOString()
const producer = (async () => {
  let i = 0
  while (producing) {
    const batch = []
    for (let n = 0; n < rate / 10; n++, i++) {
      const sku = `F-${i % skus}`
      // One receipt of 10 for every 12 sales of 1: stock keeps running out, so refusals happen.
      const receipt = i % 13 === 0
      const movement = {
        movement_id: `fm-${i}`,
        sku,
        warehouse: 'w1',
        kind: receipt ? 'receipt' : 'sale',
        quantity: receipt ? 10 : -1,
        timestamp: at,
      }
      batch.push({ topic: names.stock, key: sku, value: JSON.stringify(movement) })
      if (i % 20 === 7) batch.push({ topic: names.stock, key: sku, value: JSON.stringify(movement) })
    }
    sent += batch.length
    try {
      await broker.publish(batch)
      for (const record of batch) acknowledged.add(JSON.parse(record.value).movement_id)
    } catch {
      failedPublishes += 1
    }
    await sleep(100)
  }
})()

const timeline: string[] = []
const event = (what: string) => {
  timeline.push(`${new Date().toISOString()} ${what}`)
  log(what)
}
await sleep(3000)
for (let k = 1; k <= kills; k++) {
  await sleep(1000 + Math.random() * 3000)
  await saver.kill()
  event(`saver SIGKILLed (${k}/${kills})`)
  await sleep(500)
  await saver.start()
  event('saver restarted')
}
if (outageS > 0) {
  await services.postgres.stopImmediate()
  event(`PostgreSQL stopped (-m immediate) for ${outageS} s`)
  await sleep(outageS * 1000)
  await services.postgres.start()
  event('PostgreSQL started')
}
await sleep(3000)
producing = false
await producer
event(
  `load stopped: ${acknowledged.size} movement ids acknowledged, ${sent} records sent, ${failedPublishes} failed publishes`,
)

const deadline = Date.now() + 180_000
let decided = 0
while (Date.now() < deadline) {
  const rows = await query(database.url, 'SELECT count(*)::int AS n FROM stock_movements').catch(() => [
    { n: decided },
  ])
  decided = Number((rows as Array<{ n: number }>)[0]?.n ?? 0)
  if (decided >= acknowledged.size) break
  await sleep(1000)
}
const storage = new PostgresStorage({ connectionString: database.url })
const ids = new Set(
  (
    (await query(database.url, 'SELECT movement_id FROM stock_movements')) as Array<{ movement_id: string }>
  ).map((row) => row.movement_id),
)
const lost = [...acknowledged].filter((id) => !ids.has(id))
const check = await checkInventory(storage.db)
const refusedIds = new Set(
  (
    (await query(database.url, "SELECT movement_id FROM stock_movements WHERE status = 'refused'")) as Array<{
      movement_id: string
    }>
  ).map((row) => row.movement_id),
)
const deadLetters = (await drainTopic(broker, names.errors, refusedIds.size, 60_000)).map((record) =>
  JSON.parse(record.value.toString('utf8')),
)
const dead = new Set(
  deadLetters
    .filter((entry) => entry.code === 'INSUFFICIENT_STOCK')
    .map((entry) => JSON.parse(entry.payload).movement_id),
)
const missingDeadLetters = [...refusedIds].filter((id) => !dead.has(id))
const checks = [
  ['none lost (acknowledged → decided)', lost.length === 0, `${lost.length} lost of ${acknowledged.size}`],
  [
    'none applied twice (primary key on movement_id)',
    ids.size === decided,
    `${decided} rows, ${ids.size} ids`,
  ],
  ['levels equal the applied ledger', check.mismatches.length === 0, `${check.mismatches.length} differ`],
  ['nothing negative', check.negatives === 0, `${check.negatives}`],
  [
    'every refusal in errors with INSUFFICIENT_STOCK',
    missingDeadLetters.length === 0,
    `${refusedIds.size} refused, ${missingDeadLetters.length} without a dead letter, ${deadLetters.length} dead letters read (copies after a crash allowed)`,
  ],
] as const
const passed = checks.every(([, ok]) => ok)
const report = [
  `# Stock consumer fault run, ${new Date().toISOString()}`,
  '',
  `Private Kafka and PostgreSQL (${stateDir}); saver \`--streams stock-movements --consumers 2 --batch-size 200\`, topic of 4 partitions, ${skus} skus, ~${rate} movements/s, 5 % sent twice. Shared 2-core machine (other engineers' tests running).`,
  '',
  `Result: **${passed ? 'PASS' : 'FAIL'}**. ${check.appliedMovements} applied, ${check.refusedMovements} refused (INSUFFICIENT_STOCK), saver starts: ${saver.starts}.`,
  '',
  '| check | result | detail |',
  '| --- | --- | --- |',
  ...checks.map(([name, ok, detail]) => `| ${name} | ${ok ? 'pass' : 'FAIL'} | ${detail} |`),
  '',
  'Timeline:',
  '',
  ...timeline.map((line) => `- ${line}`),
  '',
].join('\n')
const file = join(
  'faults/results',
  `${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}-stock-consumer.md`,
)
await writeFile(file, report)
process.stdout.write(`${report}\nwritten to ${file}\n`)
await storage.close()
await broker.close()
await saver.close()
await database.drop().catch(() => {})
await services.down()
process.exitCode = passed ? 0 : 1
