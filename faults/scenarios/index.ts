import type { Scenario } from '../lib/scenario.ts'
import { ingestKill } from './01-ingest-kill.ts'
import { saverKill } from './02-saver-kill.ts'
import { kafkaDown } from './03-kafka-down.ts'
import { clusterLeaderKill } from './04-cluster-leader-kill.ts'
import { brokerPause } from './05-broker-pause.ts'
import { postgresDown } from './06-postgres-down.ts'
import { zombieSaver } from './07-zombie-saver.ts'
import { retryStorm } from './08-retry-storm.ts'
import { kafkaDownOverload } from './09-kafka-down-overload.ts'
import { apiFuzz } from './10-api-fuzz.ts'
import { aggregatorKill } from './11-aggregator-kill.ts'
import { zombieAggregator, zombieInlineAggregator } from './12-zombie-aggregator.ts'
import { postgresDownAggregator, postgresDownInlineAggregator } from './13-postgres-down-aggregator.ts'
import { deadLetterSaverKill } from './14-dead-letter-saver-kill.ts'
import { stockSaverKill } from './15-stock-saver-kill.ts'
import { zombieStockSaver } from './16-zombie-stock-saver.ts'
import { postgresDownStock } from './17-postgres-down-stock.ts'
import { etlWorkerKill } from './18-etl-worker-kill.ts'
import { inlineAggregatorKill } from './19-inline-aggregator-kill.ts'

/** Every scenario of the suite, in the order of issue 6. */
export const SCENARIOS: readonly Scenario[] = [
  ingestKill,
  saverKill,
  kafkaDown,
  clusterLeaderKill,
  brokerPause,
  postgresDown,
  zombieSaver,
  retryStorm,
  kafkaDownOverload,
  apiFuzz,
  aggregatorKill,
  zombieAggregator,
  postgresDownAggregator,
  deadLetterSaverKill,
  stockSaverKill,
  zombieStockSaver,
  postgresDownStock,
  etlWorkerKill,
  inlineAggregatorKill,
  zombieInlineAggregator,
  postgresDownInlineAggregator,
]
