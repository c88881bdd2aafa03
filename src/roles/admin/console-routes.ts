import { type Static, Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { MAX_SENSOR_ID_LENGTH } from '../../domain/measurement.ts'
import { parseWindowSpec, WINDOW_SPEC_PATTERN } from '../../domain/window-spec.ts'
import { FlowlineError } from '../../errors.ts'
import { openEventStream, pollWhileOpen } from '../../http/event-stream.ts'
import { ErrorBody } from '../../http/http-app.ts'
import type { Logger } from '../../observability/logger.ts'
import type { ConsoleReadRepository } from '../../storage/console-read-repository.ts'
import type { MeasurementsRepository } from '../../storage/measurements-repository.ts'

export interface ConsoleRoutesOptions {
  readonly repository: ConsoleReadRepository
  readonly measurements: MeasurementsRepository
  readonly logger: Logger
  /** Times a query and turns an unreachable database into a 503. */
  readonly query: <T>(operation: string, run: () => Promise<T>) => Promise<T>
  /** How often a live stream looks for new rows, in ms. */
  readonly pollMs: number
}

// Typed by the platform branch's auth plugin; a plain object until it lands.
const VIEWER = { access: 'viewer' } as object
const SensorId = Type.String({ minLength: 1, maxLength: MAX_SENSOR_ID_LENGTH, pattern: '^[^\\u0000]+$' })
const SensorParams = Type.Object({ id: SensorId })

const OverviewQuery = Type.Object({
  search: Type.Optional(Type.String({ maxLength: MAX_SENSOR_ID_LENGTH, description: 'part of the id' })),
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
  after: Type.Optional(
    Type.String({ maxLength: MAX_SENSOR_ID_LENGTH, description: 'next_after of the previous page' }),
  ),
  silent_after_s: Type.Integer({
    minimum: 1,
    default: 300,
    description: 'a sensor without a reading for this long is silent',
  }),
})
const SensorOverview = Type.Object({
  sensor_id: Type.String(),
  count: Type.Integer(),
  last_seen: Type.String({ format: 'date-time' }),
  last_temperature: Type.Number(),
  status: Type.Union(
    [
      Type.Literal('decommissioned'),
      Type.Literal('alerting'),
      Type.Literal('inactive'),
      Type.Literal('silent'),
      Type.Literal('ok'),
    ],
    {
      description:
        'the first that holds: decommissioned (registry status); alerting: an alert is open; ' +
        'inactive (registry status); silent: no reading for silent_after_s; ok',
    },
  ),
})

const SeriesQuery = Type.Object({
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  size: Type.String({ pattern: WINDOW_SPEC_PATTERN, default: '1m', description: 'the windows merged' }),
  points: Type.Integer({ minimum: 10, maximum: 5000, default: 1500, description: 'most buckets returned' }),
})
const SeriesPoint = Type.Object({
  t: Type.String({ format: 'date-time', description: 'bucket start' }),
  count: Type.Integer(),
  min: Type.Number(),
  max: Type.Number(),
  mean: Type.Number(),
})
const LiveMeasurement = Type.Object({
  id: Type.String(),
  sensor_id: Type.String(),
  temperature: Type.Number(),
  timestamp: Type.String({ format: 'date-time' }),
})

/** The console's reads: the sensors page, a sensor's zoomable history and live feeds (SSE). */
export function registerConsoleRoutes(app: FastifyInstance, options: ConsoleRoutesOptions): void {
  const { repository, query } = options

  app.get<{ Querystring: Static<typeof OverviewQuery> }>(
    '/sensor-overview',
    {
      config: VIEWER,
      schema: {
        summary: 'One page of sensors in id order, with last value and status; search by part of the id',
        querystring: OverviewQuery,
        response: {
          200: Type.Object({
            items: Type.Array(SensorOverview),
            total: Type.Integer({ description: 'sensors matching the search' }),
            next_after: Type.Union([Type.String(), Type.Null()], {
              description: 'pass as after for the next page; null on the last page',
            }),
          }),
          400: ErrorBody,
          503: ErrorBody,
        },
      },
    },
    async (request) => {
      const { search, limit, after, silent_after_s } = request.query
      const page = await query('sensor_overview', () =>
        repository.sensorOverview({
          search: search?.trim() || undefined,
          limit,
          after,
          silentBeforeMs: Date.now() - silent_after_s * 1000,
        }),
      )
      const last = page.items.at(-1)
      return { ...page, next_after: page.items.length === limit && last ? last.sensor_id : null }
    },
  )

  app.get<{ Params: Static<typeof SensorParams>; Querystring: Static<typeof SeriesQuery> }>(
    '/sensors/:id/series',
    {
      config: VIEWER,
      schema: {
        summary: "A sensor's windows merged into at most `points` buckets between from and to, oldest first",
        params: SensorParams,
        querystring: SeriesQuery,
        response: {
          200: Type.Object({
            step_s: Type.Integer({ description: 'bucket length: the window size or a multiple of it' }),
            items: Type.Array(SeriesPoint),
          }),
          400: ErrorBody,
          503: ErrorBody,
        },
      },
    },
    async (request) => {
      const { from, to, size, points } = request.query
      const fromMs = Date.parse(from)
      const toMs = Date.parse(to)
      if (fromMs >= toMs)
        throw new FlowlineError('INVALID_RANGE', 'querystring/from must be before querystring/to')
      let sizeS: number
      try {
        sizeS = parseWindowSpec(size).hopMs / 1000
      } catch (error) {
        throw new FlowlineError('INVALID_REQUEST', `querystring/size: ${(error as Error).message}`)
      }
      // Buckets are whole windows: a step of 2.5 windows would split one between two buckets.
      const stepS = Math.max(1, Math.ceil((toMs - fromMs) / 1000 / points / sizeS)) * sizeS
      const items = await query('sensor_series', () =>
        repository.series({ sensorId: request.params.id, size, fromMs, toMs, stepS }),
      )
      return { step_s: stepS, items }
    },
  )

  app.get<{ Params: Static<typeof SensorParams> }>(
    '/sensors/:id/live',
    {
      config: VIEWER,
      schema: {
        summary: 'Server-sent events: a `measurements` event with the readings stored since the last one',
        params: SensorParams,
        produces: ['text/event-stream'],
        response: { 200: Type.Array(LiveMeasurement, { description: 'the data of one event' }) },
      },
    },
    async (request, reply) => {
      const sensorId = request.params.id
      const newest = await query('live_measurements', () =>
        options.measurements.recent({ limit: 1, sensorId }),
      )
      let lastMs = newest[0] ? Date.parse(newest[0].timestamp) : 0
      const stream = openEventStream(request, reply)
      void pollWhileOpen(
        stream,
        options.pollMs,
        async () => {
          const rows = await options.measurements.recent({ limit: 500, sensorId, fromMs: lastMs + 1 })
          if (rows.length === 0) return
          rows.reverse()
          lastMs = Date.parse(rows.at(-1)?.timestamp ?? '') || lastMs
          stream.send('measurements', rows)
        },
        (error) => options.logger.debug({ err: error }, 'live measurements poll failed'),
      )
    },
  )

  app.get(
    '/alerts/live',
    {
      config: VIEWER,
      schema: {
        summary: 'Server-sent events: an `alerts` event with the alert transitions stored since the last one',
        produces: ['text/event-stream'],
      },
    },
    async (request, reply) => {
      let afterId = await query('live_alerts', () => repository.newestAlertId())
      const stream = openEventStream(request, reply)
      void pollWhileOpen(
        stream,
        options.pollMs,
        async () => {
          const rows = await repository.alertsAfter(afterId, 200)
          if (rows.length === 0) return
          afterId = rows.at(-1)?.id ?? afterId
          stream.send('alerts', rows)
        },
        (error) => options.logger.debug({ err: error }, 'live alerts poll failed'),
      )
    },
  )
}
