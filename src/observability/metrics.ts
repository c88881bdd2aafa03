import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'

const latencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
const sizeBuckets = [1, 10, 50, 100, 500, 1000, 2500, 5000, 10000, 50000]

const PGLITE_MEMORY = 'flowline_pglite_memory_bytes'

/** Every Prometheus metric Flowline exports. One instance per process, shared by the roles it runs. */
export function createMetrics() {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'flowline_' })
  const registers = [registry]
  return {
    registry,
    /** Exports PGlite's memory, read at each scrape: embedded mode only, so no other process has the gauge. */
    watchPGliteMemory(source: () => Promise<number | undefined>) {
      // A process that opens PGlite again (a command after `up`'s own) reports the newest instance.
      registry.removeSingleMetric(PGLITE_MEMORY)
      new Gauge({
        name: PGLITE_MEMORY,
        help: "PGlite's WASM memory (embedded mode): PostgreSQL's heap and shared buffers, grown to the most a statement needed and never given back",
        registers,
        async collect() {
          const bytes = await source().catch(() => undefined)
          if (bytes !== undefined) this.set(bytes)
        },
      })
    },
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
      help: 'Records skipped because their idempotency key was already stored (measurements: sensor_id and ts)',
      registers,
    }),
    deadLettered: new Counter({
      name: 'flowline_dead_lettered_total',
      help: 'Messages routed to the errors topic, by reason',
      labelNames: ['reason'],
      registers,
    }),
    streamRecords: new Counter({
      name: 'flowline_stream_records_total',
      help: 'Records of each stream by outcome: applied, duplicate, dead_lettered (bad payload) or refused (a rule of the sink)',
      labelNames: ['stream', 'outcome'],
      registers,
    }),
    staleBatches: new Counter({
      name: 'flowline_stream_stale_batches_total',
      help: 'Batches whose every record the sink had already decided (a redelivery, or a stale member after a rebalance): nothing written',
      labelNames: ['stream'],
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
    ...aggregatorMetrics(registers),
    ...deadLetterMetrics(registers),
  }
}

/** What the dead-letter saver and the admin API's redrives export. */
function deadLetterMetrics(registers: Registry[]) {
  return {
    deadLettersStored: new Counter({
      name: 'flowline_dead_letters_stored_total',
      help: 'Errors-topic entries stored into dead_letters (copies already stored are not counted)',
      registers,
    }),
    deadLettersRefused: new Counter({
      name: 'flowline_dead_letters_refused_total',
      help: 'Errors-topic entries not stored because they are not permanent failures',
      registers,
    }),
    deadLettersActed: new Counter({
      name: 'flowline_dead_letters_acted_total',
      help: 'Dead letters redriven or discarded, by action (redrive, bulk_redrive, discard)',
      labelNames: ['action'],
      registers,
    }),
  }
}

/** What the window aggregator exports; the names are those the alerting rules are written against. */
function aggregatorMetrics(registers: Registry[]) {
  return {
    aggregatedRecords: new Counter({
      name: 'flowline_aggregated_records_total',
      help: 'Readings merged into their windows (a duplicate (sensor_id, ts) is merged once)',
      registers,
    }),
    aggregateDuplicates: new Counter({
      name: 'flowline_aggregate_duplicates_total',
      help: 'Readings the aggregator skipped because their (sensor_id, ts) was already merged',
      registers,
    }),
    aggregateSkipped: new Counter({
      name: 'flowline_aggregate_skipped_records_total',
      help: 'Records the aggregator skipped as invalid, by field (the saver dead-letters them)',
      labelNames: ['reason'],
      registers,
    }),
    inlineAggregatorWait: new Counter({
      name: 'flowline_inline_aggregator_wait_seconds_total',
      help: 'Time saver members waited for their inline aggregator to merge before writing a batch (--inline-aggregator backpressure)',
      registers,
    }),
    staleRecords: new Counter({
      name: 'flowline_aggregate_stale_records_total',
      help: 'Records below the stored checkpoint, dropped (a redelivery or a fenced stale member)',
      registers,
    }),
    windowsClosed: new Counter({
      name: 'flowline_windows_closed_total',
      help: 'Windows the watermark passed, published once with final: true',
      labelNames: ['size'],
      registers,
    }),
    windowCorrections: new Counter({
      name: 'flowline_window_corrections_total',
      help: 'Closed windows changed by late readings (revision + 1, a correction event)',
      registers,
    }),
    lateRecords: new Counter({
      name: 'flowline_late_records_total',
      help: 'Readings whose window had closed, by how far behind the watermark they were',
      labelNames: ['lateness'],
      registers,
    }),
    watermarkLag: new Gauge({
      name: 'flowline_watermark_lag_seconds',
      help: 'Wall clock minus the watermark of a partition',
      labelNames: ['topic', 'partition'],
      registers,
    }),
    openWindows: new Gauge({
      name: 'flowline_open_windows',
      help: 'Windows not yet closed, in the partitions this process owns (counted once a second)',
      registers,
    }),
    alertTransitions: new Counter({
      name: 'flowline_alert_transitions_total',
      help: 'Alerts opened or resolved',
      labelNames: ['state'],
      registers,
    }),
    outboxPublished: new Counter({
      name: 'flowline_outbox_published_total',
      help: 'Events published from the outbox (windows, corrections, alerts), by topic',
      labelNames: ['topic'],
      registers,
    }),
  }
}

export type Metrics = ReturnType<typeof createMetrics>
