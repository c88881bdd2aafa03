import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { scratchTopic, startRole } from '../../harness/index.ts'
import { KafkaBroker } from '../../src/broker/kafka/kafka-broker.ts'
import { createTestDatabase, requireKafka, uniqueName } from '../helpers/services.ts'
import { launchBrowser } from './browser.ts'
import { runOperatorScenarios } from './console-ops-scenarios.ts'
import {
  buildConsole,
  type ConsoleTarget,
  keepPosting,
  runConsoleScenarios,
  seedDayOfReadings,
} from './console-scenarios.ts'

// Production's shape: each role its own process against the real Kafka and PostgreSQL, the admin
// role reading the others' /metrics (--metrics-urls) and the groups' offsets from the broker.
test('web console against real Kafka and PostgreSQL, one process per role', {
  timeout: 600_000,
}, async (t) => {
  await buildConsole()
  const kafka = (await requireKafka()).join(',')
  const database = await createTestDatabase(t)
  const topic = uniqueName('console-temperatures')
  await scratchTopic(kafka.split(','), { scope: t, name: topic, partitions: 4 })
  const names = {
    topic,
    'errors-topic': uniqueName('console-errors'),
    group: uniqueName('console-saver'),
    'aggregate-group': uniqueName('console-aggregator'),
  }
  // The inventory streams on this run's own topics and groups, so the shared broker's other runs
  // neither read these movements nor feed theirs here.
  const inventory = {
    'products-topic': uniqueName('console-products'),
    'product-events-topic': uniqueName('console-product-events'),
    'stock-topic': uniqueName('console-stock'),
  }
  for (const name of Object.values(inventory))
    await scratchTopic(kafka.split(','), { scope: t, name, partitions: 2 })
  const common = { kafka, 'database-url': database.url, topic, 'log-level': 'warn' }
  const [ingest, saver, aggregate] = await Promise.all([
    startRole('ingest', { label: 'console-ingest', flags: { ...common, ...inventory } }),
    startRole('saver', {
      label: 'console-saver',
      flags: {
        ...common,
        ...inventory,
        'errors-topic': names['errors-topic'],
        group: names.group,
        'inventory-group-prefix': uniqueName('console-inventory-'),
        // The aggregator runs as its own role here (the scale-out layout), not inside the saver.
        'inline-aggregator': false,
      },
    }),
    startRole('aggregate', {
      label: 'console-aggregate',
      flags: {
        ...common,
        'aggregate-group': names['aggregate-group'],
        'windows-topic': uniqueName('console-windows'),
        'alerts-topic': uniqueName('console-alerts'),
      },
    }),
  ])
  // The operator pages: dead letters (their saver) and ETL runs (a worker the admin forwards to).
  const etlImportDir = await mkdtemp(join(tmpdir(), 'flowline-console-etl-'))
  const [deadLetterSaver, etl] = await Promise.all([
    startRole('dead-letter-saver', {
      label: 'console-dead-letter-saver',
      flags: {
        ...common,
        'errors-topic': names['errors-topic'],
        'dead-letter-group': uniqueName('console-dead-letters'),
      },
    }),
    startRole('etl worker', {
      label: 'console-etl',
      flags: { 'database-url': database.url, 'etl-import-dir': etlImportDir, 'log-level': 'warn' },
    }),
  ])
  const admin = await startRole('admin', {
    label: 'console-admin',
    flags: {
      ...common,
      ...names,
      // The stock topic too: a redrive of a stock letter checks its movement_id against the ledger.
      ...inventory,
      'etl-url': etl.url,
      'metrics-urls': [
        `ingest=${ingest.url}/metrics`,
        `saver=${saver.url}/metrics`,
        `aggregate=${aggregate.url}/metrics`,
      ].join(','),
    },
  })
  const sensors = [1, 2, 3, 4, 5].map((n) => `sensor-000${n}`)
  const stopPosting = keepPosting(ingest.url, sensors)
  // One hook, in order: the load stops before ingest drains, the readers before the writers.
  t.after(async () => {
    await stopPosting()
    await admin.close()
    await Promise.all([
      ingest.close(),
      saver.close(),
      aggregate.close(),
      deadLetterSaver.close(),
      etl.close(),
    ])
    await rm(etlImportDir, { recursive: true, force: true, maxRetries: 10 })
  })
  const target: ConsoleTarget = { adminUrl: admin.url, ingestUrl: ingest.url, topic, screenshots: false }
  const history = uniqueName('history')
  await seedDayOfReadings(target.ingestUrl, history)
  const browser = await launchBrowser(t)

  await runConsoleScenarios(t, browser, target, history)
  const poisonBroker = new KafkaBroker({
    bootstrapBrokers: kafka.split(','),
    clientId: uniqueName('console-poison'),
    requestTimeoutMs: 5000,
  })
  t.after(() => poisonBroker.close())
  await runOperatorScenarios(t, browser, {
    ...target,
    etlImportDir,
    deadLetterScreenshots: true,
    publishPoison: (sensorId, payload) => poisonBroker.publish([{ topic, key: sensorId, value: payload }]),
  })
})
