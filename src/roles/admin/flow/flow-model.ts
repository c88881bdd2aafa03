import type { FlowEdge, FlowNode, FlowSnapshot, PartitionLag } from './flow-snapshot.ts'
import { type Sample, sumOf } from './metric-samples.ts'
import type { FlowRole } from './metric-sources.ts'

/** The names the graph is drawn with: the topic and the two consumer groups. */
export interface FlowTopology {
  readonly topic: string
  readonly errorsTopic: string
  readonly saverGroup: string
  readonly aggregateGroup: string
}

/** What one tick read: the samples of every role that answered, and the health of each role. */
export interface FlowReading {
  readonly atMs: number
  readonly samples: readonly Sample[]
  readonly health: Readonly<Record<FlowRole, FlowNode['health']>>
  readonly where: Readonly<Record<FlowRole, string>>
  /** Lag read from the broker's committed group offsets (real mode), which wins over the gauges. */
  readonly brokerLag?: readonly PartitionLag[]
}

interface EdgeSpec {
  readonly from: string
  readonly to: string
  readonly label: string
  readonly unit: FlowEdge['unit']
  /** The role whose metrics carry this counter: when it is down, the rate is unknown. */
  readonly role: FlowRole
  readonly total: (samples: readonly Sample[]) => number
}

const ADMIN_ROUTES = {
  measurements: /^\/(measurements|sensors$|sensor-overview|sensors\/:id\/live)/,
  windows: /windows|series/,
  alerts: /^\/alerts/,
}

const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

function edgesOf(t: FlowTopology): EdgeSpec[] {
  const http = (app: string, route: RegExp) => (s: readonly Sample[]) =>
    sumOf(s, 'flowline_http_requests_total', { app, route })
  return [
    {
      from: 'clients',
      to: 'ingest',
      label: 'POST /measurements',
      unit: 'requests/s',
      role: 'ingest',
      total: http('ingest', /^\/measurements$/),
    },
    {
      from: 'ingest',
      to: `topic:${t.topic}`,
      label: 'produced',
      unit: 'records/s',
      role: 'ingest',
      total: (s) => sumOf(s, 'flowline_records_produced_total', { topic: t.topic }),
    },
    {
      from: `topic:${t.topic}`,
      to: 'saver',
      label: `group ${t.saverGroup}`,
      unit: 'records/s',
      role: 'saver',
      total: (s) => sumOf(s, 'flowline_records_consumed_total', { group: t.saverGroup }),
    },
    {
      from: `topic:${t.topic}`,
      to: 'aggregate',
      label: `group ${t.aggregateGroup}`,
      unit: 'records/s',
      role: 'aggregate',
      // The aggregator labels its reads `aggregate`, not with its group id.
      total: (s) =>
        sumOf(s, 'flowline_records_consumed_total', {
          group: new RegExp(`^(${escaped(t.aggregateGroup)}|aggregate)$`),
        }),
    },
    {
      from: 'saver',
      to: 'table:measurements',
      label: 'rows inserted',
      unit: 'records/s',
      role: 'saver',
      total: (s) => sumOf(s, 'flowline_rows_inserted_total'),
    },
    {
      from: 'saver',
      to: `topic:${t.errorsTopic}`,
      label: 'dead letters',
      unit: 'records/s',
      role: 'saver',
      total: (s) => sumOf(s, 'flowline_dead_lettered_total'),
    },
    {
      from: 'aggregate',
      to: 'table:measurement_windows',
      label: 'readings merged',
      unit: 'records/s',
      role: 'aggregate',
      total: (s) => sumOf(s, 'flowline_aggregated_records_total'),
    },
    {
      from: 'aggregate',
      to: 'table:alerts',
      label: 'alert transitions',
      unit: 'records/s',
      role: 'aggregate',
      total: (s) => sumOf(s, 'flowline_alert_transitions_total'),
    },
    {
      from: 'aggregate',
      to: 'topic:events',
      label: 'events published',
      unit: 'records/s',
      role: 'aggregate',
      total: (s) => sumOf(s, 'flowline_outbox_published_total'),
    },
    ...(['measurements', 'windows', 'alerts'] as const).map(
      (table): EdgeSpec => ({
        from: `table:${table === 'windows' ? 'measurement_windows' : table}`,
        to: 'admin',
        label: 'reads',
        unit: 'requests/s',
        role: 'admin',
        total: http('admin', ADMIN_ROUTES[table]),
      }),
    ),
  ]
}

function nodesOf(t: FlowTopology, reading: FlowReading, lag: readonly PartitionLag[]): FlowNode[] {
  const partitions = new Set(lag.filter((p) => p.topic === t.topic).map((p) => p.partition))
  const role = (id: FlowRole, label: string): FlowNode => ({
    id,
    label,
    kind: 'process',
    health: reading.health[id],
    detail: reading.health[id] === 'unknown' ? 'not watched (see --metrics-urls)' : reading.where[id],
  })
  const data = (id: string, label: string, kind: FlowNode['kind'], detail: string): FlowNode => ({
    id,
    label,
    kind,
    health: 'unknown',
    detail,
  })
  return [
    data('clients', 'Simulator / clients', 'source', 'HTTP POST /measurements'),
    role('ingest', 'ingest'),
    data(
      `topic:${t.topic}`,
      t.topic,
      'topic',
      partitions.size > 0 ? `${partitions.size} partitions` : 'partitions not reported yet',
    ),
    data(`topic:${t.errorsTopic}`, t.errorsTopic, 'topic', 'dead letters'),
    role('saver', `saver (${t.saverGroup})`),
    role('aggregate', `aggregator (${t.aggregateGroup})`),
    data('table:measurements', 'measurements', 'table', 'PostgreSQL'),
    data('table:measurement_windows', 'measurement_windows', 'table', 'PostgreSQL'),
    data('table:alerts', 'alerts', 'table', 'PostgreSQL'),
    data(
      'topic:events',
      'windows & alerts topics',
      'topic',
      'closed windows, corrections, alert transitions',
    ),
    { ...role('admin', 'admin API'), kind: 'api' },
  ]
}

/** Lag per partition from the consumers' own gauge, replaced by the broker's where it answered. */
function lagOf(reading: FlowReading): PartitionLag[] {
  const byKey = new Map<string, PartitionLag>()
  for (const sample of reading.samples) {
    if (sample.name !== 'flowline_consumer_lag') continue
    const { group = '', topic = '', partition = '' } = sample.labels
    const lag = { group, topic, partition: Number(partition), lag: sample.value, source: 'metrics' as const }
    byKey.set(`${group}/${topic}/${partition}`, lag)
  }
  for (const lag of reading.brokerLag ?? []) byKey.set(`${lag.group}/${lag.topic}/${lag.partition}`, lag)
  return [...byKey.values()].sort(
    (a, b) => a.group.localeCompare(b.group) || a.topic.localeCompare(b.topic) || a.partition - b.partition,
  )
}

/**
 * Builds the graph from two successive readings: rates are the counters' increase over the time
 * between them. A counter that went down (its process restarted) gives 0 for that tick.
 */
export function buildFlowSnapshot(
  topology: FlowTopology,
  previous: FlowReading | undefined,
  current: FlowReading,
): FlowSnapshot {
  const seconds = previous ? (current.atMs - previous.atMs) / 1000 : 0
  const rate = (role: FlowRole, total: (samples: readonly Sample[]) => number): number | null => {
    if (!previous || seconds <= 0) return null
    if (current.health[role] !== 'up' || previous.health[role] !== 'up') return null
    return Math.max(0, total(current.samples) - total(previous.samples)) / seconds
  }
  const edges = edgesOf(topology).map(({ from, to, label, unit, role, total }) => ({
    from,
    to,
    label,
    unit,
    rate: rate(role, total),
  }))
  const partitions = lagOf(current)
  return {
    at: new Date(current.atMs).toISOString(),
    interval_ms: Math.round(seconds * 1000),
    nodes: nodesOf(topology, current, partitions),
    edges,
    partitions,
    errors: {
      rejected_per_s: rate('ingest', (s) =>
        sumOf(s, 'flowline_http_requests_total', { app: 'ingest', status: /^[45]/ }),
      ),
      dead_letters_per_s: rate('saver', (s) => sumOf(s, 'flowline_dead_lettered_total')),
      batch_retries_per_s: rate('saver', (s) => sumOf(s, 'flowline_batch_retries_total')),
    },
  }
}
