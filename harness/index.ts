/**
 * The Flowline harness: services (Kafka, a 3-broker cluster, PostgreSQL) and role processes
 * started through typed handles, scratch databases and topics, and a metrics reader. Tests,
 * benchmarks and the fault suite import it from here; README.md lists the API.
 */

export { authHeaders, credentialEnv, HARNESS_API_KEY } from './credentials.ts'
export { csvWithRepeatsAndRejects, etlRequest, generatedCsv, waitForRun } from './etl.ts'
export { eventually } from './eventually.ts'
export { quietLogger, testConfig } from './in-process.ts'
export {
  CLUSTER_SIZE,
  KafkaCluster,
  KafkaNode,
  type KafkaNodeSpec,
  kafkaLibs,
  kafkaTool,
  kafkaTuning,
  type SaslListeners,
  singleBroker,
  waitForBrokers,
} from './kafka.ts'
export {
  allocateLayout,
  clusterBootstrap,
  clusterBrokers,
  defaultStateDir,
  KAFKA_VERSION,
  kafkaBootstrap,
  layoutEnv,
  layoutFromEnv,
  postgresUrl,
  type ServiceLayout,
  tempStateDir,
} from './layout.ts'
export { metricSum, scrapeMetrics } from './metrics.ts'
export { NodeProcess, type NodeProcessOptions, waitForHttp } from './node-process.ts'
export { freePort, freePortRange, HOST, portOpen } from './ports.ts'
export { PostgresServer, pgBindir } from './postgres.ts'
export {
  alive,
  childrenCpuSeconds,
  childrenOf,
  cpuSecondsOf,
  loadAverage,
  machineCpuSeconds,
  memoryOf,
} from './proc.ts'
export { createRole, type Flags, flagArgs, type RoleOptions, RoleProcess, startRole } from './roles.ts'
export {
  type CleanupScope,
  createDatabaseStatement,
  deleteTopics,
  query,
  RUN_ID,
  requireReachable,
  type ScratchDatabase,
  type ScratchTopic,
  scratchDatabase,
  scratchTopic,
  uniqueName,
  withKafkaAdmin,
} from './scratch.ts'
export { Services } from './services.ts'
export { SHARED_DATABASE_URL, SHARED_KAFKA_BROKERS } from './shared.ts'
export { drainTopic } from './topic-reader.ts'
export { compareWindows, type WindowComparison } from './window-check.ts'
