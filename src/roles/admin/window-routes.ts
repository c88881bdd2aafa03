import { type Static, Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { MAX_SENSOR_ID_LENGTH } from '../../domain/measurement.ts'
import { WINDOW_SPEC_PATTERN } from '../../domain/window-spec.ts'
import { FlowlineError } from '../../errors.ts'
import { ErrorBody } from '../../http/http-app.ts'
import type { WindowsReadRepository } from '../../storage/windows-read-repository.ts'

export interface WindowRoutesOptions {
  readonly repository: WindowsReadRepository
  /** Times a query and turns an unreachable database into a 503. */
  readonly query: <T>(operation: string, run: () => Promise<T>) => Promise<T>
  readonly defaultLimit: number
  readonly maxLimit: number
}

const Reading = Type.Object({ ts: Type.String({ format: 'date-time' }), value: Type.Number() })
const StoredWindow = Type.Object({
  sensor_id: Type.String(),
  size: Type.String({ description: 'window size as configured: 1m, 1h, or size/hop for hopping windows' }),
  window_start: Type.String({ format: 'date-time' }),
  window_end: Type.String({ format: 'date-time', description: 'exclusive' }),
  count: Type.Integer(),
  min: Type.Number(),
  max: Type.Number(),
  sum: Type.Number(),
  mean: Type.Number(),
  stddev: Type.Union([Type.Number(), Type.Null()], {
    description: 'sample standard deviation; null for one reading',
  }),
  first: Reading,
  last: Reading,
  final: Type.Boolean({ description: 'the watermark passed the window end; the window was published' }),
  revision: Type.Integer({ description: 'late readings that changed the window after it closed' }),
})
export const StoredAlert = Type.Object({
  id: Type.String(),
  sensor_id: Type.String(),
  kind: Type.Union([Type.Literal('reading'), Type.Literal('window_mean')]),
  state: Type.Union([Type.Literal('open'), Type.Literal('resolved')]),
  at: Type.String({ format: 'date-time', description: 'event time of the reading or window that caused it' }),
  opened_at: Type.String({ format: 'date-time' }),
  value: Type.Number(),
  reason: Type.String(),
  acknowledged_by: Type.Union([Type.String(), Type.Null()], {
    description: 'who acknowledged the opening; null until someone does',
  }),
  acknowledged_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
})
const nextCursor = Type.Union([Type.String(), Type.Null()], {
  description: 'pass as cursor to get the next, older page; null on the last page',
})
const SensorId = Type.String({ minLength: 1, maxLength: MAX_SENSOR_ID_LENGTH, pattern: '^[^\\u0000]+$' })

function badCursor(): FlowlineError {
  return new FlowlineError('INVALID_CURSOR', 'querystring/cursor is not a cursor this API returned')
}

function encodeWindowCursor(startMs: number, sensorId: string): string {
  return Buffer.from(JSON.stringify([startMs, sensorId])).toString('base64url')
}

function decodeWindowCursor(text: string): { startMs: number; sensorId: string } {
  try {
    const [startMs, sensorId] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown[]
    if (Number.isSafeInteger(startMs) && typeof sensorId === 'string' && (startMs as number) <= 8.64e15)
      return { startMs: startMs as number, sensorId }
  } catch {
    // Falls through to the 400 below.
  }
  throw badCursor()
}

function rangeOf(from: string | undefined, to: string | undefined) {
  const fromMs = from === undefined ? undefined : Date.parse(from)
  const toMs = to === undefined ? undefined : Date.parse(to)
  if (fromMs !== undefined && toMs !== undefined && fromMs > toMs)
    throw new FlowlineError('INVALID_RANGE', 'querystring/from must not be after querystring/to')
  return { fromMs, toMs }
}

/** GET /windows, GET /sensors/{id}/windows and GET /alerts: what the aggregator stored. */
export function registerWindowRoutes(app: FastifyInstance, options: WindowRoutesOptions): void {
  const { repository, query } = options
  const limit = Type.Integer({
    minimum: 1,
    maximum: options.maxLimit,
    default: options.defaultLimit,
    description: `rows to return, newest first (default ${options.defaultLimit}, at most ${options.maxLimit})`,
  })
  const WindowsQuery = Type.Object({
    size: Type.String({
      pattern: WINDOW_SPEC_PATTERN,
      default: '1m',
      description: 'window size (default 1m)',
    }),
    from: Type.Optional(
      Type.String({ format: 'date-time', description: 'windows starting at or after this time' }),
    ),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'windows starting before this time' })),
    limit,
    cursor: Type.Optional(Type.String({ maxLength: 600, description: 'next_cursor of the previous page' })),
  })
  const AllWindowsQuery = Type.Composite([WindowsQuery, Type.Object({ sensor_id: Type.Optional(SensorId) })])
  const WindowsPage = Type.Object({ items: Type.Array(StoredWindow), next_cursor: nextCursor })
  const response = { 200: WindowsPage, 400: ErrorBody, 503: ErrorBody }

  async function windowsPage(q: Static<typeof AllWindowsQuery>) {
    const { fromMs, toMs } = rangeOf(q.from, q.to)
    const before = q.cursor === undefined ? undefined : decodeWindowCursor(q.cursor)
    const items = await query('windows', () =>
      repository.windows({ size: q.size, limit: q.limit, sensorId: q.sensor_id, fromMs, toMs, before }),
    )
    const last = items.at(-1)
    const cursor =
      items.length === q.limit && last
        ? encodeWindowCursor(Date.parse(last.window_start), last.sensor_id)
        : null
    return { items, next_cursor: cursor }
  }

  app.get<{ Querystring: Static<typeof AllWindowsQuery> }>(
    '/windows',
    {
      config: { access: 'viewer' },
      schema: {
        summary: 'Event-time windows of every sensor (or one), newest first',
        querystring: AllWindowsQuery,
        response,
      },
    },
    (request) => windowsPage(request.query),
  )

  app.get<{ Params: { id: string }; Querystring: Static<typeof WindowsQuery> }>(
    '/sensors/:id/windows',
    {
      config: { access: 'viewer' },
      schema: {
        summary: "One sensor's event-time windows, newest first",
        params: Type.Object({ id: SensorId }),
        querystring: WindowsQuery,
        response,
      },
    },
    (request) => windowsPage({ ...request.query, sensor_id: request.params.id }),
  )

  const AlertsQuery = Type.Object({
    state: Type.Optional(
      Type.Union([Type.Literal('open'), Type.Literal('resolved')], {
        description: 'open: alerts not resolved yet; resolved: resolutions; absent: every transition',
      }),
    ),
    sensor_id: Type.Optional(SensorId),
    limit,
    cursor: Type.Optional(Type.String({ maxLength: 40, description: 'next_cursor of the previous page' })),
  })
  app.get<{ Querystring: Static<typeof AlertsQuery> }>(
    '/alerts',
    {
      config: { access: 'viewer' },
      schema: {
        summary: 'Alert transitions (open, resolved), newest first',
        querystring: AlertsQuery,
        response: {
          200: Type.Object({ items: Type.Array(StoredAlert), next_cursor: nextCursor }),
          400: ErrorBody,
          503: ErrorBody,
        },
      },
    },
    async (request) => {
      const { state, sensor_id, limit: pageSize, cursor } = request.query
      if (cursor !== undefined && !(/^[1-9][0-9]{0,18}$/.test(cursor) && BigInt(cursor) <= 2n ** 63n - 1n))
        throw badCursor()
      const items = await query('alerts', () =>
        repository.alerts({ limit: pageSize, state, sensorId: sensor_id, beforeId: cursor }),
      )
      const last = items.at(-1)
      return { items, next_cursor: items.length === pageSize && last ? last.id : null }
    },
  )
}
