import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { Kysely } from 'kysely'
import { MAX_SENSOR_ID_LENGTH } from '../../domain/measurement.ts'
import { FlowlineError } from '../../errors.ts'
import { ErrorBody } from '../../http/http-app.ts'
import { type Hop, journeyFromTraces } from '../../observability/journey-from-traces.ts'
import type { SpanStore } from '../../observability/span-store.ts'
import type { Schema } from '../../storage/schema.ts'

export interface JourneyRoutesOptions {
  readonly db: Kysely<Schema>
  /** This process's spans (`--trace-store`); without it the journey comes from the data only. */
  readonly store: SpanStore | undefined
  /** Times a query and turns an unreachable database into a 503. */
  readonly query: <T>(operation: string, run: () => Promise<T>) => Promise<T>
}

const HopBody = Type.Object(
  {
    hop: Type.String({
      description: 'received, acknowledged, consumed, written, stored, committed or dead_lettered',
    }),
    at: Type.String({ format: 'date-time' }),
    source: Type.String({ description: 'trace (a sampled span) or data (the stored row)' }),
  },
  { additionalProperties: true },
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
          'Hops with their times: received by ingest (request id), acknowledged by the log (topic, partition, offset, latency), consumed (group, member, batch), written and committed, or dead-lettered. Sampled measurements are found in the trace store of this process (`--trace-store`); others from the stored row (row id, insertion time).',
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
      const row = await options.query('journey', () =>
        options.db
          .selectFrom('measurements')
          .select(['id', 'ingested_at'])
          .where('sensor_id', '=', sensorId)
          .where('ts', '=', new Date(timestampMs))
          .executeTakeFirst(),
      )
      const traced = options.store ? journeyFromTraces(options.store, sensorId, timestampMs) : []
      const hops: Hop[] = [...traced]
      // now() of the inserting transaction: when the row was written, whatever was sampled.
      if (row)
        hops.push({
          hop: 'stored',
          at: row.ingested_at.toISOString(),
          source: 'data',
          row_id: String(row.id),
        })
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
            ? 'not sampled (or its spans left the in-memory store): only the stored row is known'
            : 'no trace store in this process (--trace-store): only the stored row is known; look the trace up in the collector',
        }),
      }
    },
  )
}
