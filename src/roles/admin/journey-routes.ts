import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { Kysely } from 'kysely'
import { MAX_SENSOR_ID_LENGTH } from '../../domain/measurement.ts'
import { FlowlineError } from '../../errors.ts'
import { ErrorBody } from '../../http/http-app.ts'
import { type Hop, journeyFromTraces } from '../../observability/journey-from-traces.ts'
import type { SpanStore } from '../../observability/span-store.ts'
import { JourneyRepository } from '../../storage/journey-repository.ts'
import type { Schema } from '../../storage/schema.ts'
import { journeyFromData } from './journey-from-data.ts'

export interface JourneyRoutesOptions {
  readonly db: Kysely<Schema>
  /** This process's spans (`--trace-store`); without it the journey comes from the data only. */
  readonly store: SpanStore | undefined
  /** The measurements topic, named in the data hops (the row keeps only partition and offset). */
  readonly measurementsTopic?: string
  /** Times a query and turns an unreachable database into a 503. */
  readonly query: <T>(operation: string, run: () => Promise<T>) => Promise<T>
}

const HopBody = Type.Object(
  {
    hop: Type.Union(
      [
        'received',
        'acknowledged',
        'consumed',
        'written',
        'stored',
        'committed',
        'dead_lettered',
        'redriven',
      ].map((name) => Type.Literal(name)),
      {
        description:
          "received by ingest, acknowledged by the log, consumed by a group, written by its SQL, stored (row inserted), committed (offsets after a traced batch; the row's transaction from the data), dead_lettered, redriven",
      },
    ),
    at: Type.String({ format: 'date-time', description: 'when the hop happened' }),
    source: Type.Union([Type.Literal('trace'), Type.Literal('data')], {
      description: 'trace (a sampled span of the store) or data (the stored row, its dead letters)',
    }),
    topic: Type.Optional(Type.String()),
    partition: Type.Optional(Type.Integer()),
    offset: Type.Optional(Type.String({ description: 'log offset, as a decimal string' })),
    latency_ms: Type.Optional(Type.Number({ description: 'acknowledged: produce round trip' })),
    request_id: Type.Optional(Type.String({ description: 'received: ingest request id' })),
    service: Type.Optional(Type.String()),
    group: Type.Optional(Type.String({ description: 'consumer group' })),
    member: Type.Optional(Type.String({ description: 'consumed: host/pid/member index' })),
    batch_size: Type.Optional(Type.Integer()),
    statement: Type.Optional(Type.String({ description: 'written: the SQL span name' })),
    row_id: Type.Optional(Type.String()),
    reason: Type.Optional(Type.String({ description: 'dead_lettered: why' })),
    field: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    dead_letter_id: Type.Optional(Type.String()),
    by: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: 'redriven: who' })),
    redrive_count: Type.Optional(Type.Integer()),
    trace_id: Type.Optional(Type.String()),
    span_id: Type.Optional(Type.String()),
  },
  {
    additionalProperties: true,
    description:
      'One hop: its name, time and source, then the attributes that hop has (flat, all optional). Stable: fields are only added.',
  },
)

const JourneyBody = Type.Object({
  sensor_id: Type.String(),
  timestamp: Type.String({ format: 'date-time' }),
  sampled: Type.Boolean({ description: 'whether spans of this measurement were found in the trace store' }),
  hops: Type.Array(HopBody, { description: 'oldest first' }),
  note: Type.Optional(Type.String()),
})

/** Epoch ms of an ISO-8601 date-time or of epoch milliseconds given as digits. */
function parseTimestamp(raw: string): number {
  const ms = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw)
  if (!Number.isFinite(ms))
    throw new FlowlineError(
      'INVALID_REQUEST',
      'timestamp must be ISO-8601 with a time zone or epoch milliseconds',
    )
  return ms
}

/** GET /measurements/journey: the hops of one measurement, from the traces when sampled, else from the data. */
export function registerJourneyRoutes(app: FastifyInstance, options: JourneyRoutesOptions): void {
  app.get(
    '/measurements/journey',
    {
      config: { access: 'viewer' },
      schema: {
        summary: 'Follow one measurement through ingest, the log, the saver and the database',
        description:
          'Hops with their times: received by ingest (request id), acknowledged by the log (topic, partition, offset, latency), consumed (group, member, batch), written and committed, dead-lettered (source coordinates, reason) and redriven. Sampled measurements are found in the trace store of this process (`--trace-store`); the data fills in the rest, and all of it when not sampled: the log position the saver kept with the row (partition, offset, record time), the row id and insertion time, the commit time when PostgreSQL keeps commit timestamps (`track_commit_timestamp`), the dead letters and their redrives.',
        querystring: Type.Object({
          sensor_id: Type.String({ minLength: 1, maxLength: MAX_SENSOR_ID_LENGTH }),
          timestamp: Type.String({
            minLength: 1,
            description: 'ISO-8601 with a time zone, or epoch milliseconds',
          }),
        }),
        response: { 200: JourneyBody, 400: ErrorBody, 404: ErrorBody, 503: ErrorBody },
      },
    },
    async (request) => {
      const { sensor_id: sensorId, timestamp } = request.query as { sensor_id: string; timestamp: string }
      const timestampMs = parseTimestamp(timestamp)
      const repository = new JourneyRepository(options.db)
      const [row, deadLetters] = await options.query('journey', () =>
        Promise.all([repository.row(sensorId, timestampMs), repository.deadLetters(sensorId, timestampMs)]),
      )
      const traced = options.store ? journeyFromTraces(options.store, sensorId, timestampMs) : []
      // The data fills in the hops the traces lack (all of them when not sampled).
      const tracedNames = new Set(traced.map((hop) => hop.hop))
      const hops: Hop[] = [
        ...traced,
        ...journeyFromData(row, deadLetters, options.measurementsTopic).filter(
          (hop) => !tracedNames.has(hop.hop),
        ),
      ]
      if (hops.length === 0)
        throw new FlowlineError(
          'NOT_FOUND',
          `No measurement of sensor ${sensorId} at ${new Date(timestampMs).toISOString()} is stored or traced`,
        )
      hops.sort((a, b) => a.at.localeCompare(b.at))
      return {
        sensor_id: sensorId,
        timestamp: new Date(timestampMs).toISOString(),
        sampled: traced.length > 0,
        hops,
        ...(traced.length === 0 && {
          note: options.store
            ? 'not sampled (or its spans left the in-memory store): the hops come from the stored row and its dead letters'
            : 'no trace store in this process (--trace-store): the hops come from the stored row and its dead letters; look the trace up in the collector',
        }),
      }
    },
  )
}
