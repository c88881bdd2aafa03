import { type Static, Type } from '@sinclair/typebox'

const Health = Type.Union([Type.Literal('up'), Type.Literal('down'), Type.Literal('unknown')], {
  description: 'up: its metrics answered at this tick; down: they did not; unknown: not watched',
})

export const FlowNode = Type.Object({
  id: Type.String(),
  label: Type.String(),
  kind: Type.Union(['source', 'process', 'topic', 'table', 'api'].map((kind) => Type.Literal(kind))),
  health: Health,
  detail: Type.String({ description: 'one line for a person: where its metrics come from, partitions...' }),
})

export const FlowEdge = Type.Object({
  from: Type.String(),
  to: Type.String(),
  label: Type.String(),
  unit: Type.Union([Type.Literal('records/s'), Type.Literal('requests/s')]),
  rate: Type.Union([Type.Number(), Type.Null()], {
    description: 'per second over the last tick; null until two ticks were seen or when the source is down',
  }),
})

export const PartitionLag = Type.Object({
  group: Type.String(),
  topic: Type.String(),
  partition: Type.Integer(),
  lag: Type.Integer({ description: 'records not yet committed by the group' }),
  source: Type.Union([Type.Literal('metrics'), Type.Literal('broker')], {
    description:
      "metrics: the consumer's own gauge; broker: the group's committed offsets against the log end",
  }),
})

export const FlowSnapshot = Type.Object({
  at: Type.String({ format: 'date-time' }),
  interval_ms: Type.Integer(),
  nodes: Type.Array(FlowNode),
  edges: Type.Array(FlowEdge),
  partitions: Type.Array(PartitionLag),
  errors: Type.Object({
    rejected_per_s: Type.Union([Type.Number(), Type.Null()], {
      description: 'ingest requests answered 4xx or 5xx',
    }),
    dead_letters_per_s: Type.Union([Type.Number(), Type.Null()]),
    batch_retries_per_s: Type.Union([Type.Number(), Type.Null()]),
  }),
})

export type FlowNode = Static<typeof FlowNode>
export type FlowEdge = Static<typeof FlowEdge>
export type PartitionLag = Static<typeof PartitionLag>
export type FlowSnapshot = Static<typeof FlowSnapshot>
