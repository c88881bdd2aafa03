import { type Static, type TSchema, Type } from '@sinclair/typebox'
import { WINDOW_SPEC_PATTERN } from '../domain/window-spec.ts'

/** The roles a setting applies to; `--help` of each subcommand lists only its own settings. */
export type Role =
  | 'ingest'
  | 'saver'
  | 'aggregate'
  | 'admin'
  | 'dead-letter-saver'
  | 'dead-letters'
  | 'etl'
  | 'etl-client'
  | 'simulate'
  | 'up'
  | 'migrate'
  | 'doctor'
  | 'topics'
  | 'inventory'
  | 'trace'

/**
 * One configurable value. The same entry produces the command-line flag, the environment
 * variable, the default and the validation schema, so `--help`, the README and the checks
 * cannot drift apart.
 */
export interface Setting {
  readonly key: string
  readonly flag: string
  readonly env: string
  readonly description: string
  readonly schema: TSchema
  readonly default: string | number | boolean | readonly string[]
  readonly roles: readonly Role[]
  readonly list?: boolean
  /** Never shown in errors or logs; may also be read from the file named by `<env>_FILE`. */
  readonly secret?: boolean
}

const all: Role[] = [
  'ingest',
  'saver',
  'aggregate',
  'admin',
  'dead-letter-saver',
  'dead-letters',
  'etl',
  'etl-client',
  'simulate',
  'up',
  'migrate',
  'doctor',
  'topics',
  'inventory',
  'trace',
]
const servers: Role[] = ['ingest', 'saver', 'aggregate', 'admin', 'dead-letter-saver', 'etl', 'up']
// The admin role reads the consumer groups' offsets for the console's flow view, and publishes
// redriven dead letters back to their source topic.
const brokerUsers: Role[] = [
  'ingest',
  'saver',
  'aggregate',
  'admin',
  'dead-letter-saver',
  'up',
  'doctor',
  'topics',
]
// Ingest reads device tokens and the sensor registry.
const dbUsers: Role[] = [
  'ingest',
  'saver',
  'aggregate',
  'admin',
  'dead-letter-saver',
  'etl',
  'up',
  'migrate',
  'doctor',
  'inventory',
]
const deadLetterSavers: Role[] = ['dead-letter-saver', 'up']
const redrivers: Role[] = ['admin', 'up']
const aggregators: Role[] = ['aggregate', 'up']
/** Roles that can run the window aggregator: its own role, `up`, and the saver with --inline-aggregator. */
const windowers: Role[] = [...aggregators, 'saver']
const topicName = Type.String({ pattern: '^[A-Za-z0-9._-]{1,200}$', description: 'a Kafka topic name' })
/** Roles that open the embedded log or PGlite when --embedded is set. */
const modeUsers: Role[] = [...servers, 'migrate', 'doctor', 'topics', 'inventory']
/** Roles that serve an API behind authentication. */
const authUsers: Role[] = ['ingest', 'admin', 'etl', 'up']
/** Roles that keep the partitions of `measurements`. */
const partitionKeepers: Role[] = ['saver', 'up', 'migrate', 'doctor']

const port = Type.Integer({ minimum: 0, maximum: 65535, description: 'a TCP port from 0 to 65535' })
const positive = (max: number) =>
  Type.Integer({ minimum: 1, maximum: max, description: `an integer from 1 to ${max}` })

const TABLE = [
  {
    key: 'embedded',
    flag: 'embedded',
    env: 'FLOWLINE_EMBEDDED',
    description: 'use the embedded log and PGlite instead of Kafka and a PostgreSQL server',
    schema: Type.Boolean(),
    default: false,
    roles: modeUsers,
  },
  {
    key: 'dataDir',
    flag: 'data-dir',
    env: 'FLOWLINE_DATA_DIR',
    description: 'where embedded mode keeps its log and database',
    schema: Type.String({ minLength: 1 }),
    default: './data',
    roles: modeUsers,
  },
  {
    key: 'kafkaBrokers',
    flag: 'kafka',
    env: 'KAFKA_BROKERS',
    description: 'Kafka bootstrap brokers, host:port[,host:port...]',
    schema: Type.Array(Type.String({ pattern: '^[^:,\\s]+:[0-9]{1,5}$', description: 'host:port' }), {
      minItems: 1,
      description: 'a comma-separated list of host:port',
    }),
    default: ['127.0.0.1:9092'],
    roles: brokerUsers,
    list: true,
  },
  {
    key: 'kafkaSaslMechanism',
    flag: 'kafka-sasl-mechanism',
    env: 'KAFKA_SASL_MECHANISM',
    description: 'SASL mechanism to authenticate to Kafka with (none = no SASL)',
    schema: Type.Union(
      ['none', 'scram-sha-256', 'scram-sha-512', 'plain'].map((mechanism) => Type.Literal(mechanism)),
      { description: 'one of none, scram-sha-256, scram-sha-512, plain' },
    ),
    default: 'none',
    roles: brokerUsers,
  },
  {
    key: 'kafkaSaslUsername',
    flag: 'kafka-sasl-username',
    env: 'KAFKA_SASL_USERNAME',
    description: 'SASL user name for Kafka',
    schema: Type.String(),
    default: '',
    roles: brokerUsers,
  },
  {
    key: 'kafkaSaslPassword',
    flag: 'kafka-sasl-password',
    env: 'KAFKA_SASL_PASSWORD',
    description: 'SASL password for Kafka (prefer KAFKA_SASL_PASSWORD_FILE)',
    schema: Type.String(),
    default: '',
    roles: brokerUsers,
    secret: true,
  },
  {
    key: 'kafkaTls',
    flag: 'kafka-tls',
    env: 'KAFKA_TLS',
    description: 'connect to Kafka over TLS',
    schema: Type.Boolean(),
    default: false,
    roles: brokerUsers,
  },
  {
    key: 'kafkaTlsCaFile',
    flag: 'kafka-tls-ca-file',
    env: 'KAFKA_TLS_CA_FILE',
    description: "PEM file of the CA that signed Kafka's certificates (empty: the system CAs)",
    schema: Type.String(),
    default: '',
    roles: brokerUsers,
  },
  {
    key: 'databaseUrl',
    flag: 'database-url',
    env: 'DATABASE_URL',
    description:
      'PostgreSQL connection URL; TLS with ?sslmode=require|verify-ca|verify-full (&sslrootcert=<file>)',
    schema: Type.String({ pattern: '^postgres(ql)?://', description: 'a postgres:// URL' }),
    default: 'postgres://flowline:flowline@127.0.0.1:5433/flowline',
    roles: dbUsers,
    secret: true,
  },
  {
    key: 'databaseReadUrl',
    flag: 'database-read-url',
    env: 'DATABASE_READ_URL',
    description: "PostgreSQL URL for the admin role's reads, e.g. a replica (empty: --database-url)",
    schema: Type.String({ pattern: '^(postgres(ql)?://.*)?$', description: 'a postgres:// URL or empty' }),
    default: '',
    roles: ['admin', 'up', 'doctor'],
    secret: true,
  },
  {
    key: 'migrateOnStart',
    flag: 'migrate-on-start',
    env: 'MIGRATE_ON_START',
    description:
      'apply pending migrations at start (--no-migrate-on-start for rolling upgrades: run `flowline migrate`)',
    schema: Type.Boolean(),
    default: true,
    roles: ['saver', 'admin', 'etl', 'up'],
  },
  {
    key: 'partitionDaysAhead',
    flag: 'partition-days-ahead',
    env: 'PARTITION_DAYS_AHEAD',
    description: 'daily partitions of measurements kept ready after today (UTC)',
    schema: positive(366),
    default: 7,
    roles: partitionKeepers,
  },
  {
    key: 'retentionDays',
    flag: 'retention-days',
    env: 'RETENTION_DAYS',
    description: 'days of measurements kept; older daily partitions are dropped whole (0 = keep all)',
    schema: Type.Integer({ minimum: 0, maximum: 36_500, description: 'an integer from 0 to 36500' }),
    default: 0,
    roles: partitionKeepers,
  },
  {
    key: 'topic',
    flag: 'topic',
    env: 'FLOWLINE_TOPIC',
    description: 'topic that carries measurements',
    schema: Type.String({ pattern: '^[A-Za-z0-9._-]{1,200}$', description: 'a Kafka topic name' }),
    default: 'temperatures',
    roles: brokerUsers,
  },
  {
    key: 'errorsTopic',
    flag: 'errors-topic',
    env: 'FLOWLINE_ERRORS_TOPIC',
    description: 'dead-letter topic for messages the saver cannot store',
    schema: Type.String({ pattern: '^[A-Za-z0-9._-]{1,200}$', description: 'a Kafka topic name' }),
    default: 'errors',
    roles: brokerUsers,
  },
  {
    key: 'productsTopic',
    flag: 'products-topic',
    env: 'FLOWLINE_PRODUCTS_TOPIC',
    description: 'topic of the products stream (key: sku)',
    schema: topicName,
    default: 'products',
    roles: brokerUsers,
  },
  {
    key: 'productEventsTopic',
    flag: 'product-events-topic',
    env: 'FLOWLINE_PRODUCT_EVENTS_TOPIC',
    description: 'topic of the product-events stream (key: sku)',
    schema: topicName,
    default: 'product_events',
    roles: brokerUsers,
  },
  {
    key: 'stockTopic',
    flag: 'stock-topic',
    env: 'FLOWLINE_STOCK_TOPIC',
    description: 'topic of the stock-movements stream (key: sku)',
    schema: topicName,
    default: 'stock_movements',
    roles: brokerUsers,
  },
  {
    key: 'partitions',
    flag: 'partitions',
    env: 'FLOWLINE_PARTITIONS',
    description: 'partitions of the measurements topic when Flowline creates it',
    schema: positive(1024),
    default: 4,
    roles: brokerUsers,
  },
  {
    key: 'replicationFactor',
    flag: 'replication-factor',
    env: 'FLOWLINE_REPLICATION_FACTOR',
    description: 'replication factor of topics Flowline creates',
    schema: positive(16),
    default: 1,
    roles: brokerUsers,
  },
  {
    key: 'host',
    flag: 'host',
    env: 'FLOWLINE_HOST',
    description: 'address the HTTP servers listen on',
    schema: Type.String({ minLength: 1 }),
    default: '127.0.0.1',
    roles: servers,
  },
  {
    key: 'ingestPort',
    flag: 'ingest-port',
    env: 'INGEST_PORT',
    description: 'port of the ingest API',
    schema: port,
    default: 8080,
    roles: ['ingest', 'up'],
  },
  {
    key: 'adminPort',
    flag: 'admin-port',
    env: 'ADMIN_PORT',
    description: 'port of the admin API',
    schema: port,
    default: 8081,
    roles: ['admin', 'up'],
  },
  {
    key: 'metricsUrls',
    flag: 'metrics-urls',
    env: 'FLOWLINE_METRICS_URLS',
    description:
      "the roles' /metrics the console's flow view reads, role=url[,role=url...] (roles in the same process are read directly)",
    schema: Type.Array(
      Type.String({ pattern: '^(ingest|saver|aggregate|admin)=https?://\\S+$', description: 'role=url' }),
      { description: 'a comma-separated list of role=url, role one of ingest, saver, aggregate, admin' },
    ),
    default: [],
    roles: ['admin'],
    list: true,
  },
  {
    key: 'saverPort',
    flag: 'saver-port',
    env: 'SAVER_PORT',
    description: "port of the saver's /health, /ready and /metrics",
    schema: port,
    default: 8082,
    roles: ['saver', 'up'],
  },
  {
    key: 'bodyLimitBytes',
    flag: 'body-limit',
    env: 'INGEST_BODY_LIMIT',
    description: 'largest request body the ingest API accepts, in bytes (413 above)',
    schema: positive(64 * 1024 * 1024),
    default: 1024 * 1024,
    roles: ['ingest', 'up'],
  },
  {
    key: 'maxItems',
    flag: 'max-items',
    env: 'INGEST_MAX_ITEMS',
    description: 'most measurements in one request (400 above)',
    schema: positive(100_000),
    default: 5000,
    roles: ['ingest', 'up'],
  },
  {
    key: 'maxInFlightRecords',
    flag: 'max-in-flight',
    env: 'INGEST_MAX_IN_FLIGHT',
    description: 'measurements waiting for Kafka before ingest answers 429',
    schema: positive(10_000_000),
    default: 50_000,
    roles: ['ingest', 'up'],
  },
  {
    key: 'maxBacklogRecords',
    flag: 'max-backlog',
    env: 'INGEST_MAX_BACKLOG',
    description: 'embedded mode: measurements the saver may be behind before ingest answers 429',
    schema: positive(1_000_000_000),
    default: 2_000_000,
    roles: ['ingest', 'up'],
  },
  {
    key: 'maxBacklogSeconds',
    flag: 'max-backlog-seconds',
    env: 'INGEST_MAX_BACKLOG_SECONDS',
    description: 'embedded mode: seconds of work the saver may be behind before ingest answers 429',
    schema: positive(86_400),
    default: 60,
    roles: ['ingest', 'up'],
  },
  {
    key: 'produceTimeoutMs',
    flag: 'produce-timeout',
    env: 'INGEST_PRODUCE_TIMEOUT_MS',
    description: 'how long ingest waits for Kafka to acknowledge before answering 503, in ms',
    schema: positive(120_000),
    default: 5000,
    roles: ['ingest', 'up'],
  },
  {
    key: 'produceBatchRecords',
    flag: 'produce-batch',
    env: 'INGEST_PRODUCE_BATCH',
    description: 'most records in one Kafka produce request',
    schema: positive(100_000),
    default: 5000,
    roles: ['ingest', 'up'],
  },
  {
    key: 'produceLingerMs',
    flag: 'produce-linger',
    env: 'INGEST_PRODUCE_LINGER_MS',
    description: 'how long a request waits for others to share its Kafka produce request, in ms',
    schema: Type.Integer({ minimum: 0, maximum: 1000, description: 'an integer from 0 to 1000' }),
    default: 2,
    roles: ['ingest', 'up'],
  },
  {
    key: 'futureToleranceMs',
    flag: 'future-tolerance',
    env: 'INGEST_FUTURE_TOLERANCE_MS',
    description: 'how far in the future a timestamp may be, in ms',
    schema: Type.Integer({ minimum: 0, maximum: 86_400_000, description: 'an integer from 0 to 86400000' }),
    default: 300_000,
    roles: ['ingest', 'saver', 'aggregate', 'admin', 'up', 'doctor'],
  },
  {
    key: 'groupId',
    flag: 'group',
    env: 'SAVER_GROUP',
    description: 'consumer group of the saver',
    schema: Type.String({ pattern: '^[A-Za-z0-9._-]{1,200}$', description: 'a consumer group id' }),
    default: 'measurement-saver',
    roles: ['saver', 'admin', 'up', 'doctor'],
  },
  {
    key: 'streams',
    flag: 'streams',
    env: 'SAVER_STREAMS',
    description: 'the streams this saver consumes: measurements, products, product-events, stock-movements',
    schema: Type.Array(
      Type.Union(
        ['measurements', 'products', 'product-events', 'stock-movements'].map((name) => Type.Literal(name)),
      ),
      {
        minItems: 1,
        description: 'a comma-separated list of measurements, products, product-events, stock-movements',
      },
    ),
    default: ['measurements', 'products', 'product-events', 'stock-movements'],
    roles: ['saver', 'up'],
    list: true,
  },
  {
    key: 'inventoryGroupPrefix',
    flag: 'inventory-group-prefix',
    env: 'INVENTORY_GROUP_PREFIX',
    description:
      "prefix of the inventory streams' consumer groups (<prefix>products, <prefix>product-events, <prefix>stock)",
    schema: Type.String({ pattern: '^[A-Za-z0-9._-]{0,150}$', description: 'a consumer group id prefix' }),
    default: 'inventory-',
    roles: ['saver', 'up'],
  },
  {
    key: 'saverBatchSize',
    flag: 'batch-size',
    env: 'SAVER_BATCH_SIZE',
    description: 'most measurements in one database transaction',
    schema: positive(100_000),
    default: 5000,
    roles: ['saver', 'up'],
  },
  {
    key: 'saverConsumers',
    flag: 'consumers',
    env: 'SAVER_CONSUMERS',
    description: 'consumer-group members in this saver process, each with its own partitions',
    schema: positive(64),
    default: 2,
    roles: ['saver', 'up'],
  },
  {
    key: 'saverReadAhead',
    flag: 'read-ahead',
    env: 'SAVER_READ_AHEAD',
    description: 'batches read and decoded while one is inserted; inserts and commits keep log order',
    schema: Type.Integer({ minimum: 0, maximum: 8, description: 'an integer from 0 to 8' }),
    default: 1,
    roles: ['saver', 'up'],
  },
  {
    key: 'saverBatchWaitMs',
    flag: 'batch-wait',
    env: 'SAVER_BATCH_WAIT_MS',
    description:
      'longest a partial batch waits before it is written, in ms (Kafka holds a fetch up to this, at most 500, until 16 KiB are ready)',
    schema: positive(60_000),
    default: 50,
    roles: ['saver', 'up'],
  },
  {
    key: 'aggregator',
    flag: 'aggregator',
    env: 'FLOWLINE_AGGREGATOR',
    description:
      'run the window aggregator inside `up`, in the saver unless --no-inline-aggregator (--no-aggregator leaves it out)',
    schema: Type.Boolean(),
    default: true,
    roles: ['up'],
  },
  {
    key: 'inlineAggregator',
    flag: 'inline-aggregator',
    env: 'FLOWLINE_INLINE_AGGREGATOR',
    description:
      'run the window aggregator inside the saver, on the batches the saver reads (one Kafka read and decode instead of two; scale the saver to scale it); --no-inline-aggregator when `flowline aggregate` processes run it instead',
    schema: Type.Boolean(),
    default: true,
    roles: ['saver', 'up'],
  },
  {
    key: 'inlineAggregateBatchSize',
    flag: 'inline-aggregate-batch-size',
    env: 'INLINE_AGGREGATE_BATCH_SIZE',
    description:
      'with --inline-aggregator: readings a saver member holds before a merge starts (it waits at twice as many); held as columns, ~40 bytes a reading, so larger than --aggregate-batch-size: fewer window writes a reading',
    schema: positive(1_000_000),
    default: 300_000,
    roles: ['saver', 'up'],
  },
  {
    key: 'aggregatePort',
    flag: 'aggregate-port',
    env: 'AGGREGATE_PORT',
    description: "port of the aggregator's /health, /ready and /metrics",
    schema: port,
    default: 8083,
    roles: aggregators,
  },
  {
    key: 'aggregateGroup',
    flag: 'aggregate-group',
    env: 'AGGREGATE_GROUP',
    description:
      'consumer group of the aggregator (its checkpoint in stream_offsets is kept under this name)',
    schema: Type.String({ pattern: '^[A-Za-z0-9._-]{1,200}$', description: 'a consumer group id' }),
    default: 'window-aggregator',
    roles: [...windowers, 'admin'],
  },
  {
    key: 'windows',
    flag: 'windows',
    env: 'AGGREGATE_WINDOWS',
    description: 'event-time window sizes: tumbling (1m) or hopping size/hop (10m/5m); units s, m, h, d',
    schema: Type.Array(
      Type.String({ pattern: WINDOW_SPEC_PATTERN, description: 'a size such as 1m or 10m/5m' }),
      {
        minItems: 1,
        maxItems: 8,
        uniqueItems: true,
        description: 'a comma-separated list of 1 to 8 sizes such as 1m,1h or 10m/5m',
      },
    ),
    default: ['1m', '1h'],
    roles: windowers,
    list: true,
  },
  {
    key: 'allowedLatenessMs',
    flag: 'allowed-lateness',
    env: 'AGGREGATE_ALLOWED_LATENESS_MS',
    description: 'how far behind the newest event time of a partition a window stays open, in ms',
    schema: Type.Integer({ minimum: 0, maximum: 86_400_000, description: 'an integer from 0 to 86400000' }),
    default: 30_000,
    roles: windowers,
  },
  {
    key: 'idleTimeoutMs',
    flag: 'idle-timeout',
    env: 'AGGREGATE_IDLE_TIMEOUT_MS',
    description:
      'a partition without records this long stops holding the watermark back; when all are idle it follows the clock, in ms',
    schema: positive(86_400_000),
    default: 10_000,
    roles: windowers,
  },
  {
    key: 'aggregateBatchSize',
    flag: 'aggregate-batch-size',
    env: 'AGGREGATE_BATCH_SIZE',
    description:
      'most records merged in one database transaction by the aggregate role; more means fewer row writes a reading and more memory (with --inline-aggregator see --inline-aggregate-batch-size)',
    schema: positive(1_000_000),
    default: 100_000,
    roles: windowers,
  },
  {
    key: 'aggregateBatchWaitMs',
    flag: 'aggregate-batch-wait',
    env: 'AGGREGATE_BATCH_WAIT_MS',
    description:
      'longest a partial batch of the aggregator waits before it is merged, in ms: a longer wait puts more readings of a sensor in one transaction, which writes each of its windows once, but alerts and closed windows come up to this much later; keep it well under --idle-timeout',
    schema: positive(60_000),
    default: 5000,
    roles: windowers,
  },
  {
    key: 'aggregateConsumers',
    flag: 'aggregate-consumers',
    env: 'AGGREGATE_CONSUMERS',
    description: 'consumer-group members in this aggregator process, each with its own partitions',
    schema: positive(64),
    default: 2,
    roles: aggregators,
  },
  {
    key: 'windowsTopic',
    flag: 'windows-topic',
    env: 'FLOWLINE_WINDOWS_TOPIC',
    description: 'topic the aggregator publishes closed windows and corrections to',
    schema: topicName,
    default: 'temperature_windows',
    roles: [...windowers, 'topics'],
  },
  {
    key: 'alertsTopic',
    flag: 'alerts-topic',
    env: 'FLOWLINE_ALERTS_TOPIC',
    description: 'topic the aggregator publishes alert transitions to',
    schema: topicName,
    default: 'alerts',
    roles: [...windowers, 'topics'],
  },
  {
    key: 'defaultLimit',
    flag: 'default-limit',
    env: 'ADMIN_DEFAULT_LIMIT',
    description: 'rows GET /measurements returns when no limit is given',
    schema: positive(10_000),
    default: 100,
    roles: ['admin', 'up'],
  },
  {
    key: 'maxLimit',
    flag: 'max-limit',
    env: 'ADMIN_MAX_LIMIT',
    description: 'largest limit GET /measurements accepts',
    schema: positive(100_000),
    default: 1000,
    roles: ['admin', 'up'],
  },
  {
    key: 'deadLetterSaverPort',
    flag: 'dead-letter-saver-port',
    env: 'DEAD_LETTER_SAVER_PORT',
    description: "port of the dead-letter saver's /health, /ready and /metrics",
    schema: port,
    default: 8084,
    roles: deadLetterSavers,
  },
  {
    key: 'deadLetterGroup',
    flag: 'dead-letter-group',
    env: 'DEAD_LETTER_GROUP',
    description: 'consumer group that stores the errors topic into dead_letters',
    schema: Type.String({ pattern: '^[A-Za-z0-9._-]{1,200}$', description: 'a consumer group id' }),
    default: 'dead-letter-saver',
    roles: [...deadLetterSavers, 'doctor'],
  },
  {
    key: 'redriveRate',
    flag: 'redrive-rate',
    env: 'REDRIVE_RATE',
    description: 'most dead letters a bulk redrive sends back per second',
    schema: positive(100_000),
    default: 200,
    roles: redrivers,
  },
  {
    key: 'adminUrl',
    flag: 'admin-url',
    env: 'FLOWLINE_ADMIN_URL',
    description: 'base URL of the admin API that `flowline dead-letters` and `flowline trace` talk to',
    schema: Type.String({ pattern: '^https?://', description: 'an http:// or https:// URL' }),
    default: 'http://127.0.0.1:8081',
    roles: ['dead-letters', 'trace'],
  },
  {
    key: 'apiToken',
    flag: 'api-token',
    env: 'FLOWLINE_API_TOKEN',
    description: 'bearer token sent to the admin API or the ETL API (empty: none)',
    schema: Type.String(),
    default: '',
    roles: ['dead-letters', 'trace', 'etl-client'],
    secret: true,
  },
  {
    key: 'simulator',
    flag: 'simulator',
    env: 'FLOWLINE_SIMULATOR',
    description: 'run the simulator inside `up` (--no-simulator leaves it out)',
    schema: Type.Boolean(),
    default: true,
    roles: ['up'],
  },
  {
    key: 'scenario',
    flag: 'scenario',
    env: 'SIMULATOR_SCENARIO',
    description:
      'what to simulate: sensors (measurements) or inventory (a catalog of --sensors products, a shop funnel of events, sales and restocking)',
    schema: Type.Union([Type.Literal('sensors'), Type.Literal('inventory')], {
      description: 'sensors or inventory',
    }),
    default: 'sensors',
    roles: ['simulate'],
  },
  {
    key: 'targetUrl',
    flag: 'target',
    env: 'SIMULATOR_TARGET',
    description: 'base URL of the ingest API the simulator posts to',
    schema: Type.String({ pattern: '^https?://', description: 'an http:// URL' }),
    default: 'http://127.0.0.1:8080',
    roles: ['simulate'],
  },
  {
    key: 'sensors',
    flag: 'sensors',
    env: 'SIMULATOR_SENSORS',
    description: 'number of simulated sensors',
    schema: positive(1_000_000),
    default: 10,
    roles: ['simulate', 'up'],
  },
  {
    key: 'rate',
    flag: 'rate',
    env: 'SIMULATOR_RATE',
    description: 'measurements per second over all sensors (0 = as fast as possible)',
    schema: Type.Number({ minimum: 0, maximum: 10_000_000, description: 'a number from 0 to 10000000' }),
    default: 20,
    roles: ['simulate', 'up'],
  },
  {
    key: 'simulatorBatch',
    flag: 'batch',
    env: 'SIMULATOR_BATCH',
    description: 'measurements per request (1 = one JSON object per request)',
    schema: positive(100_000),
    default: 1,
    roles: ['simulate', 'up'],
  },
  {
    key: 'count',
    flag: 'count',
    env: 'SIMULATOR_COUNT',
    description: 'stop after this many measurements (0 = run until stopped)',
    schema: Type.Integer({ minimum: 0, description: 'an integer of 0 or more' }),
    default: 0,
    roles: ['simulate'],
  },
  {
    key: 'durationS',
    flag: 'duration',
    env: 'SIMULATOR_DURATION_S',
    description: 'stop after this many seconds (0 = run until stopped)',
    schema: Type.Number({ minimum: 0, description: 'a number of 0 or more' }),
    default: 0,
    roles: ['simulate'],
  },
  {
    key: 'faultyRatio',
    flag: 'faulty',
    env: 'SIMULATOR_FAULTY',
    description: 'share of deliberately invalid readings, from 0 to 1',
    schema: Type.Number({ minimum: 0, maximum: 1, description: 'a number from 0 to 1' }),
    default: 0,
    roles: ['simulate', 'up'],
  },
  {
    key: 'concurrency',
    flag: 'concurrency',
    env: 'SIMULATOR_CONCURRENCY',
    description: 'requests in flight at once',
    schema: positive(10_000),
    default: 8,
    roles: ['simulate', 'up'],
  },
  {
    key: 'progress',
    flag: 'progress',
    env: 'SIMULATOR_PROGRESS',
    description: 'print a progress line every second (--no-progress to silence)',
    schema: Type.Boolean(),
    default: true,
    roles: ['simulate'],
  },
  {
    key: 'auth',
    flag: 'auth',
    env: 'FLOWLINE_AUTH',
    description:
      'require credentials on every API route but /health, /ready, /docs and /metrics (off: local experiments only)',
    schema: Type.Union([Type.Literal('on'), Type.Literal('off')], { description: 'on or off' }),
    default: 'on',
    roles: authUsers,
  },
  {
    key: 'authCacheTtlMs',
    flag: 'auth-cache-ttl',
    env: 'AUTH_CACHE_TTL_MS',
    description:
      'how long a looked-up token, user or sensor is trusted before it is read again (a revocation takes effect within it)',
    schema: Type.Integer({ minimum: 0, maximum: 5000, description: 'milliseconds from 0 to 5000' }),
    default: 2000,
    roles: authUsers,
  },
  {
    key: 'sessionTtlS',
    flag: 'session-ttl',
    env: 'SESSION_TTL_S',
    description: 'lifetime of a login session token, in seconds',
    schema: Type.Integer({ minimum: 60, maximum: 86_400, description: 'seconds from 60 to 86400' }),
    default: 3600,
    roles: authUsers,
  },
  {
    key: 'sessionSecret',
    flag: 'session-secret',
    env: 'FLOWLINE_SESSION_SECRET',
    description:
      'key that signs session tokens, at least 32 characters (empty: generated once and kept in the database)',
    schema: Type.String({ pattern: '^(|.{32,})$', description: 'empty or at least 32 characters' }),
    default: '',
    roles: authUsers,
    secret: true,
  },
  {
    key: 'adminUsername',
    flag: 'admin-username',
    env: 'FLOWLINE_ADMIN_USERNAME',
    description: 'first admin account, created at start when it does not exist (with --admin-password)',
    schema: Type.String({
      pattern: '^(|[A-Za-z0-9._@-]{1,64})$',
      description: 'empty or 1 to 64 of A-Z a-z 0-9 . _ @ -',
    }),
    default: '',
    roles: [...authUsers, 'migrate'],
  },
  {
    key: 'adminPassword',
    flag: 'admin-password',
    env: 'FLOWLINE_ADMIN_PASSWORD',
    description: 'password of --admin-username (prefer FLOWLINE_ADMIN_PASSWORD_FILE)',
    schema: Type.String({ pattern: '^(|.{12,})$', description: 'empty or at least 12 characters' }),
    default: '',
    roles: [...authUsers, 'migrate'],
    secret: true,
  },
  {
    key: 'bootstrapApiKey',
    flag: 'bootstrap-api-key',
    env: 'FLOWLINE_BOOTSTRAP_API_KEY',
    description:
      'an admin API key (fla_<id>_<secret>) stored, hashed, at start when its id is new: for automation',
    schema: Type.String({
      pattern: '^(|fla_[a-z0-9]{12}_[A-Za-z0-9_-]{43})$',
      description: 'empty or fla_<12 of a-z0-9>_<43 base64url characters>',
    }),
    default: '',
    roles: [...authUsers, 'migrate'],
    secret: true,
  },
  {
    key: 'bootstrapDeviceToken',
    flag: 'bootstrap-device-token',
    env: 'FLOWLINE_BOOTSTRAP_DEVICE_TOKEN',
    description:
      'a device token (flt_<id>_<secret>) stored, hashed, at start when its id is new, scoped to the first --bootstrap-device-sensors simulated sensors: for a simulator deployed beside the roles',
    schema: Type.String({
      pattern: '^(|flt_[a-z0-9]{12}_[A-Za-z0-9_-]{43})$',
      description: 'empty or flt_<12 of a-z0-9>_<43 base64url characters>',
    }),
    default: '',
    roles: authUsers,
    secret: true,
  },
  {
    key: 'bootstrapDeviceSensors',
    flag: 'bootstrap-device-sensors',
    env: 'BOOTSTRAP_DEVICE_SENSORS',
    description: 'how many simulated sensors (sensor-0001 and on) the bootstrap device token may write',
    schema: positive(1_000_000),
    default: 10,
    roles: authUsers,
  },
  {
    key: 'deviceToken',
    flag: 'device-token',
    env: 'FLOWLINE_DEVICE_TOKEN',
    description:
      'the token the simulator sends as Authorization: Bearer (up --embedded provisions one itself)',
    schema: Type.String(),
    default: '',
    roles: ['simulate', 'up'],
    secret: true,
  },
  {
    key: 'metricsToken',
    flag: 'metrics-token',
    env: 'FLOWLINE_METRICS_TOKEN',
    description:
      'when set, /metrics requires Authorization: Bearer <this token> (empty: /metrics is open, keep its port internal)',
    schema: Type.String(),
    default: '',
    roles: servers,
    secret: true,
  },
  {
    key: 'unknownSensors',
    flag: 'unknown-sensors',
    env: 'UNKNOWN_SENSORS',
    description:
      'measurements of a sensor missing from the registry: accept, register (an entry marked auto) or reject (422)',
    schema: Type.Union(
      ['accept', 'register', 'reject'].map((policy) => Type.Literal(policy)),
      {
        description: 'one of accept, register, reject',
      },
    ),
    default: 'register',
    roles: ['ingest', 'up'],
  },
  {
    key: 'startupWaitMs',
    flag: 'startup-wait',
    env: 'FLOWLINE_STARTUP_WAIT_MS',
    description:
      'how long a role waits at start for Kafka and PostgreSQL (backoff 250 ms doubling to 5 s, each try logged), in ms',
    schema: Type.Integer({ minimum: 0, maximum: 3_600_000, description: 'an integer from 0 to 3600000' }),
    default: 60_000,
    roles: servers,
  },
  {
    key: 'otlpEndpoint',
    flag: 'otlp-endpoint',
    env: 'OTEL_EXPORTER_OTLP_ENDPOINT',
    description:
      'OpenTelemetry collector to export traces to over OTLP/HTTP, e.g. http://127.0.0.1:4318 (empty: no export; the other OTEL_EXPORTER_OTLP_* variables apply)',
    schema: Type.Union([Type.Literal(''), Type.String({ pattern: '^https?://\\S+$' })], {
      description: 'empty or an http(s) URL',
    }),
    default: '',
    roles: servers,
  },
  {
    key: 'traceSampleRatio',
    flag: 'trace-sample-ratio',
    env: 'OTEL_TRACES_SAMPLER_ARG',
    description:
      'share of new traces recorded, 0 to 1 (parent-based: a sampled parent is always followed); 0 with no --otlp-endpoint and no --trace-store turns tracing off',
    schema: Type.Number({ minimum: 0, maximum: 1, description: 'a number from 0 to 1' }),
    default: 0,
    roles: servers,
  },
  {
    key: 'traceStore',
    flag: 'trace-store',
    env: 'FLOWLINE_TRACE_STORE',
    description:
      'keep the latest spans in memory so GET /measurements/journey can show them with no collector (`npm start` sets it)',
    schema: Type.Boolean(),
    default: false,
    roles: servers,
  },
  {
    key: 'logFormat',
    flag: 'log-format',
    env: 'FLOWLINE_LOG_FORMAT',
    description:
      'log lines as JSON, pretty (coloured, for a person), or auto: pretty on a terminal, JSON otherwise',
    schema: Type.Union(
      ['auto', 'json', 'pretty'].map((format) => Type.Literal(format)),
      {
        description: 'one of auto, json, pretty',
      },
    ),
    default: 'auto',
    roles: all,
  },
  {
    key: 'etlPort',
    flag: 'etl-port',
    env: 'ETL_PORT',
    description: "port of the ETL worker's run API (/etl/runs), /health, /ready and /metrics",
    schema: port,
    default: 8085,
    roles: ['etl', 'up'],
  },
  {
    key: 'etlConcurrency',
    flag: 'etl-concurrency',
    env: 'ETL_CONCURRENCY',
    description: 'runs one ETL worker process executes at once, per pipeline',
    schema: positive(64),
    default: 2,
    roles: ['etl', 'up'],
  },
  {
    key: 'etlHeartbeatSeconds',
    flag: 'etl-heartbeat-seconds',
    env: 'ETL_HEARTBEAT_SECONDS',
    description: 'a run whose worker is silent this long is retried (or failed) by the other workers',
    schema: Type.Integer({ minimum: 10, maximum: 3600, description: 'an integer from 10 to 3600' }),
    default: 10,
    roles: ['etl', 'up'],
  },
  {
    key: 'etlImportDir',
    flag: 'etl-import-dir',
    env: 'ETL_IMPORT_DIR',
    description: 'directory import pipelines may read files from (a `file` parameter is relative to it)',
    schema: Type.String({ minLength: 1 }),
    default: './imports',
    roles: ['etl', 'up'],
  },
  {
    key: 'etlSchedules',
    flag: 'etl-schedules',
    env: 'ETL_SCHEDULES',
    description:
      'schedules, `pipeline|cron|time zone[|k=v&k=v]` separated by `;`, e.g. `daily-rollups|15 0 * * *|Europe/Paris`',
    schema: Type.String({
      pattern: '^([a-z0-9-]+\\|[^|;]+\\|[A-Za-z_]+(/[A-Za-z0-9_+-]+)*(\\|[^;]*)?(;|$))*$',
      description: 'pipeline|cron|IANA time zone[|params], separated by ;',
    }),
    default: '',
    roles: ['etl', 'up'],
  },
  {
    key: 'etlUrl',
    flag: 'etl-url',
    env: 'ETL_URL',
    description:
      "base URL of an ETL worker's run API, for `flowline etl run|runs|show|logs|cancel|retry` and the console's ETL page (the admin role forwards /etl/* there; `up` uses its own worker)",
    schema: Type.String({ pattern: '^https?://', description: 'an http(s):// URL' }),
    default: 'http://127.0.0.1:8085',
    roles: ['etl-client', 'admin', 'up'],
  },
  {
    key: 'logLevel',
    flag: 'log-level',
    env: 'LOG_LEVEL',
    description: 'pino log level',
    schema: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)),
      { description: 'one of fatal, error, warn, info, debug, trace, silent' },
    ),
    default: 'info',
    roles: all,
  },
] as const satisfies readonly Setting[]

/** Every setting, in the order `--help` lists them. */
export const SETTINGS: readonly Setting[] = TABLE

type SettingEntry = (typeof TABLE)[number]

/**
 * Every setting of every role, validated and frozen: one read-only property per entry of
 * SETTINGS, typed by its schema. Modules receive it; nothing else reads the environment.
 */
export type Config = { readonly [S in SettingEntry as S['key']]: Readonly<Static<S['schema']>> }
