import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'

const latencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
const sizeBuckets = [1, 10, 50, 100, 500, 1000, 2500, 5000, 10000, 50000]

/** Every Prometheus metric Flowline exports. One instance per process, shared by the roles it runs. */
export function createMetrics() {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'flowline_' })
  const registers = [registry]
  return {
    registry,
    httpRequests: new Counter({
      name: 'flowline_http_requests_total',
      help: 'HTTP requests by app, route, method and status',
      labelNames: ['app', 'route', 'method', 'status'],
      registers,
    }),
    httpDuration: new Histogram({
      name: 'flowline_http_request_duration_seconds',
      help: 'HTTP response time by app and route',
      labelNames: ['app', 'route'],
      buckets: latencyBuckets,
      registers,
    }),
    recordsProduced: new Counter({
      name: 'flowline_records_produced_total',
      help: 'Records acknowledged by the broker, by topic',
      labelNames: ['topic'],
      registers,
    }),
    produceDuration: new Histogram({
      name: 'flowline_produce_duration_seconds',
      help: 'Time from sending a produce batch to its acknowledgement',
      buckets: latencyBuckets,
      registers,
    }),
    produceBatchSize: new Histogram({
      name: 'flowline_produce_batch_records',
      help: 'Records per produce request (coalesced from concurrent HTTP requests)',
      buckets: sizeBuckets,
      registers,
    }),
    produceFailures: new Counter({
      name: 'flowline_produce_failures_total',
      help: 'Produce batches the broker did not acknowledge in time',
      registers,
    }),
    inFlightRecords: new Gauge({
      name: 'flowline_ingest_in_flight_records',
      help: 'Records accepted over HTTP and waiting for the broker',
      registers,
    }),
    rejectedItems: new Counter({
      name: 'flowline_ingest_rejected_total',
      help: 'Requests refused by ingest, by reason',
      labelNames: ['reason'],
      registers,
    }),
    recordsConsumed: new Counter({
      name: 'flowline_records_consumed_total',
      help: 'Records read by a consumer group, by topic',
      labelNames: ['group', 'topic'],
      registers,
    }),
    consumeBatchSize: new Histogram({
      name: 'flowline_consume_batch_records',
      help: 'Records per consumed batch',
      labelNames: ['group'],
      buckets: sizeBuckets,
      registers,
    }),
    rowsInserted: new Counter({ name: 'flowline_rows_inserted_total', help: 'Rows inserted', registers }),
    duplicatesSkipped: new Counter({
      name: 'flowline_duplicates_skipped_total',
      help: 'Measurements skipped because their (sensor_id, ts) was already stored',
      registers,
    }),
    deadLettered: new Counter({
      name: 'flowline_dead_lettered_total',
      help: 'Messages routed to the errors topic, by reason',
      labelNames: ['reason'],
      registers,
    }),
    batchRetries: new Counter({
      name: 'flowline_batch_retries_total',
      help: 'Batches retried after a failure (for example PostgreSQL down)',
      labelNames: ['group'],
      registers,
    }),
    consumerLag: new Gauge({
      name: 'flowline_consumer_lag',
      help: 'Records not yet committed, by group, topic and partition',
      labelNames: ['group', 'topic', 'partition'],
      registers,
    }),
    sqlDuration: new Histogram({
      name: 'flowline_sql_duration_seconds',
      help: 'SQL statement time by operation',
      labelNames: ['operation', 'outcome'],
      buckets: latencyBuckets,
      registers,
    }),
  }
}

export type Metrics = ReturnType<typeof createMetrics>
