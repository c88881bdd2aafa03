import assert from 'node:assert/strict'
import { test } from 'node:test'
import { buildFlowSnapshot, type FlowReading } from '../../../src/roles/admin/flow/flow-model.ts'
import { parsePrometheusText } from '../../../src/roles/admin/flow/metric-samples.ts'

const topology = {
  topic: 'temperatures',
  errorsTopic: 'errors',
  saverGroup: 'measurement-saver',
  aggregateGroup: 'window-aggregator',
}
const allUp = { ingest: 'up', saver: 'up', aggregate: 'up', admin: 'up' } as const
const where = {
  ingest: 'http://i/metrics',
  saver: 'http://s/metrics',
  aggregate: 'in-process',
  admin: 'in-process',
}

function reading(atMs: number, text: string, health: FlowReading['health'] = allUp): FlowReading {
  return { atMs, samples: parsePrometheusText(text), health, where }
}

const metricsAt = (produced: number, consumed: number, lag: number) => `
# HELP flowline_records_produced_total Records acknowledged by the broker, by topic
# TYPE flowline_records_produced_total counter
flowline_records_produced_total{topic="temperatures"} ${produced}
flowline_records_consumed_total{group="measurement-saver",topic="temperatures"} ${consumed}
flowline_records_consumed_total{group="aggregate",topic="temperatures"} ${consumed}
flowline_http_requests_total{app="ingest",route="/measurements",method="POST",status="202"} ${produced / 10}
flowline_http_requests_total{app="ingest",route="/measurements",method="POST",status="400"} 3
flowline_consumer_lag{group="measurement-saver",topic="temperatures",partition="1"} ${lag}
flowline_produce_duration_seconds_bucket{le="+Inf"} 7
`

test('rates are the counters’ increase over the time between two readings', () => {
  const snapshot = buildFlowSnapshot(
    topology,
    reading(1000, metricsAt(100, 90, 4)),
    reading(3000, metricsAt(300, 250, 2)),
  )
  const rate = (from: string, to: string) => snapshot.edges.find((e) => e.from === from && e.to === to)?.rate
  assert.equal(rate('ingest', 'topic:temperatures'), 100)
  assert.equal(rate('topic:temperatures', 'saver'), 80)
  assert.equal(rate('topic:temperatures', 'aggregate'), 80, 'the aggregator labels its reads `aggregate`')
  assert.equal(rate('clients', 'ingest'), 10)
  assert.equal(snapshot.errors.rejected_per_s, 0)
  assert.deepEqual(snapshot.partitions, [
    { group: 'measurement-saver', topic: 'temperatures', partition: 1, lag: 2, source: 'metrics' },
  ])
  assert.equal(snapshot.nodes.find((n) => n.id === 'saver')?.detail, 'http://s/metrics')
})

test('the first reading, a role down and a counter reset give no rate rather than a wrong one', () => {
  assert.equal(buildFlowSnapshot(topology, undefined, reading(0, metricsAt(1, 1, 0))).edges[1]?.rate, null)
  const down = { ...allUp, saver: 'down' } as const
  const withSaverDown = buildFlowSnapshot(
    topology,
    reading(0, metricsAt(1, 1, 0)),
    reading(1000, metricsAt(5, 1, 0), down),
  )
  assert.equal(withSaverDown.edges.find((e) => e.to === 'saver')?.rate, null)
  assert.equal(withSaverDown.nodes.find((n) => n.id === 'saver')?.health, 'down')
  const restarted = buildFlowSnapshot(
    topology,
    reading(0, metricsAt(500, 500, 0)),
    reading(1000, metricsAt(20, 20, 0)),
  )
  assert.equal(restarted.edges.find((e) => e.from === 'ingest')?.rate, 0)
})

test('the broker’s committed offsets replace the consumers’ own lag gauge', () => {
  const current = {
    ...reading(1000, metricsAt(1, 1, 9)),
    brokerLag: [
      { group: 'measurement-saver', topic: 'temperatures', partition: 1, lag: 12, source: 'broker' as const },
    ],
  }
  assert.deepEqual(buildFlowSnapshot(topology, undefined, current).partitions, current.brokerLag)
})

test('the Prometheus text parser reads labels with escapes and skips comments', () => {
  assert.deepEqual(parsePrometheusText('# HELP x y\nm{a="q\\"uote",b="x,y"} 2.5\nn 3\n'), [
    { name: 'm', labels: { a: 'q"uote', b: 'x,y' }, value: 2.5 },
    { name: 'n', labels: {}, value: 3 },
  ])
})
