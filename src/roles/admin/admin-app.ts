import { type Static, Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { MAX_SENSOR_ID_LENGTH } from '../../domain/measurement.ts'
import { FlowlineError } from '../../errors.ts'
import { createHttpApp, ErrorBody } from '../../http/http-app.ts'
import type { Logger } from '../../observability/logger.ts'
import type { Metrics } from '../../observability/metrics.ts'
import { activeSpanStore } from '../../observability/tracing.ts'
import type { MeasurementsRepository } from '../../storage/measurements-repository.ts'
import type { Storage } from '../../storage/storage.ts'
import { toStorageError } from '../../storage/storage-errors.ts'
import { WindowsReadRepository } from '../../storage/windows-read-repository.ts'
import { decodeCursor, encodeCursor } from './cursor.ts'
import { registerJourneyRoutes } from './journey-routes.ts'
import { registerWindowRoutes } from './window-routes.ts'

export interface AdminAppOptions {
  readonly storage: Storage
  readonly repository: MeasurementsRepository
  readonly logger: Logger
  readonly metrics: Metrics
  readonly defaultLimit: number
  readonly maxLimit: number
}

const StoredMeasurement = Type.Object({
  id: Type.String({ description: 'row id, increasing in insertion order' }),
  sensor_id: Type.String(),
  temperature: Type.Number(),
  timestamp: Type.String({ format: 'date-time' }),
})

/** The admin API: reads what the saver stored. */
export async function createAdminApp(options: AdminAppOptions): Promise<FastifyInstance> {
  const { metrics, repository } = options
  /** Times a query, and turns an unreachable database into a 503 rather than a 500. */
  async function query<T>(operation: string, run: () => Promise<T>): Promise<T> {
    const stop = metrics.sqlDuration.startTimer({ operation })
    try {
      const result = await run()
      stop({ outcome: 'ok' })
      return result
    } catch (error) {
      stop({ outcome: 'error' })
      const translated = toStorageError(error)
      // The shared error handler does not log retryable errors, so the cause is logged here.
      if (translated !== error) options.logger.warn({ err: error, operation }, 'database unreachable')
      throw translated
    }
  }
  const app = await createHttpApp({
    name: 'admin',
    description: 'Reads the measurements, windows and alerts stored in PostgreSQL.',
    logger: options.logger,
    metrics,
    ready: async () => {
      const ready = await options.storage.isReachable()
      return {
        ready,
        detail: ready ? `${options.storage.name} reachable` : `${options.storage.name} unreachable`,
      }
    },
  })

  const MeasurementsQuery = Type.Object({
    limit: Type.Integer({
      minimum: 1,
      maximum: options.maxLimit,
      default: options.defaultLimit,
      description: `rows to return, newest first (default ${options.defaultLimit}, at most ${options.maxLimit})`,
    }),
    sensor_id: Type.Optional(
      Type.String({ minLength: 1, maxLength: MAX_SENSOR_ID_LENGTH, pattern: '^[^\\u0000]+$' }),
    ),
    from: Type.Optional(
      Type.String({ format: 'date-time', description: 'only readings at or after this time' }),
    ),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'only readings before this time' })),
    cursor: Type.Optional(Type.String({ maxLength: 100, description: 'next_cursor of the previous page' })),
  })

  app.get<{ Querystring: Static<typeof MeasurementsQuery> }>(
    '/measurements',
    {
      schema: {
        summary: 'Most recent measurements, newest first',
        querystring: MeasurementsQuery,
        response: {
          200: Type.Object({
            items: Type.Array(StoredMeasurement),
            next_cursor: Type.Union([Type.String(), Type.Null()], {
              description: 'pass as cursor to get the next, older page; null on the last page',
            }),
          }),
          400: ErrorBody,
          503: ErrorBody,
        },
      },
    },
    async (request) => {
      const { limit, sensor_id, from, to, cursor } = request.query
      const fromMs = from === undefined ? undefined : Date.parse(from)
      const toMs = to === undefined ? undefined : Date.parse(to)
      if (fromMs !== undefined && toMs !== undefined && fromMs > toMs) {
        throw new FlowlineError('INVALID_RANGE', 'querystring/from must not be after querystring/to')
      }
      const before = cursor === undefined ? undefined : decodeCursor(cursor)
      const items = await query('recent_measurements', () =>
        repository.recent({ limit, sensorId: sensor_id, fromMs, toMs, before }),
      )
      const last = items.at(-1)
      const nextCursor =
        items.length === limit && last
          ? encodeCursor({ tsMs: Date.parse(last.timestamp), id: last.id })
          : null
      return { items, next_cursor: nextCursor }
    },
  )

  app.get(
    '/sensors',
    {
      schema: {
        summary: 'Every sensor seen, with its count, first and last reading and last temperature',
        response: {
          200: Type.Array(
            Type.Object({
              sensor_id: Type.String(),
              count: Type.Integer(),
              first_seen: Type.String({ format: 'date-time' }),
              last_seen: Type.String({ format: 'date-time' }),
              last_temperature: Type.Number(),
            }),
          ),
          503: ErrorBody,
        },
      },
    },
    async () => query('sensors', () => repository.sensors()),
  )
  registerJourneyRoutes(app, { db: options.storage.db, store: activeSpanStore(), query })
  registerWindowRoutes(app, {
    repository: new WindowsReadRepository(options.storage.db),
    query,
    defaultLimit: options.defaultLimit,
    maxLimit: options.maxLimit,
  })
  return app
}
