import { type Static, Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { MAX_SENSOR_ID_LENGTH } from '../../domain/measurement.ts'
import { FlowlineError } from '../../errors.ts'
import { ErrorBody } from '../../http/http-app.ts'
import { access } from '../../http/route-access.ts'
import type { DeadLettersRepository } from '../../storage/dead-letters-repository.ts'
import type { MeasurementsRepository } from '../../storage/measurements-repository.ts'

export interface LookupRouteOptions {
  readonly measurements: MeasurementsRepository
  readonly deadLetters: DeadLettersRepository
  readonly query: <T>(operation: string, run: () => Promise<T>) => Promise<T>
}

const LookupQuery = Type.Object({
  sensor_id: Type.String({ minLength: 1, maxLength: MAX_SENSOR_ID_LENGTH, pattern: '^[^\\u0000]+$' }),
  timestamp: Type.String({
    minLength: 1,
    maxLength: 40,
    description: "the reading's timestamp as it was sent: ISO-8601 with a time zone, or epoch milliseconds",
  }),
})
const DeadLetterRef = Type.Object({
  id: Type.String(),
  reason: Type.String(),
  field: Type.Union([Type.String(), Type.Null()]),
  status: Type.Union([Type.Literal('new'), Type.Literal('redriven'), Type.Literal('discarded')]),
  link: Type.String({ description: 'path of the dead letter on this API' }),
})
const LookupAnswer = Type.Object({
  state: Type.Union([Type.Literal('stored'), Type.Literal('dead_lettered'), Type.Literal('not_found')]),
  measurement: Type.Optional(
    Type.Object({
      id: Type.String(),
      sensor_id: Type.String(),
      temperature: Type.Number(),
      timestamp: Type.String({ format: 'date-time' }),
      stored_at: Type.String({ format: 'date-time' }),
    }),
  ),
  dead_letter: Type.Optional(DeadLetterRef),
})

/** Epoch milliseconds of a timestamp given as ISO-8601 with a zone or as digits, or undefined. */
function parseTimestamp(text: string): number | undefined {
  if (/^\d{1,16}$/.test(text)) return Number(text) <= 8.64e15 ? Number(text) : undefined
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(text)) return undefined
  const ms = Date.parse(text)
  return Number.isFinite(ms) ? ms : undefined
}

/**
 * GET /measurements/lookup: what became of one reading. `stored` (with the row and when it was
 * stored; and the dead letter too when it got there through a redrive), `dead_lettered` (why,
 * and where to act on it), or `not_found` (not stored, not dead-lettered: never accepted, still
 * on its way, or its payload was not JSON enough to name the sensor and time).
 */
export function registerLookupRoute(app: FastifyInstance, options: LookupRouteOptions): void {
  const { measurements, deadLetters, query } = options
  app.get<{ Querystring: Static<typeof LookupQuery> }>(
    '/measurements/lookup',
    {
      config: access('viewer'),
      schema: {
        summary: 'What happened to one reading: stored, dead_lettered or not_found',
        querystring: LookupQuery,
        response: { 200: LookupAnswer, 400: ErrorBody, 503: ErrorBody },
      },
    },
    async (request) => {
      const { sensor_id: sensorId, timestamp } = request.query
      const timestampMs = parseTimestamp(timestamp)
      if (timestampMs === undefined)
        throw new FlowlineError(
          'INVALID_REQUEST',
          'querystring/timestamp must be ISO-8601 with a time zone or epoch milliseconds',
        )
      const [stored, letter] = await query('lookup', () =>
        Promise.all([measurements.find(sensorId, timestampMs), deadLetters.ofReading(sensorId, timestampMs)]),
      )
      const deadLetter = letter && {
        id: letter.id,
        reason: letter.reason,
        field: letter.field,
        status: letter.status,
        link: `/dead-letters/${letter.id}`,
      }
      if (stored) return { state: 'stored' as const, measurement: stored, dead_letter: deadLetter }
      if (deadLetter) return { state: 'dead_lettered' as const, dead_letter: deadLetter }
      return { state: 'not_found' as const }
    },
  )
}
