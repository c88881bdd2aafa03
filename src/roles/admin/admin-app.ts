import { type Static, Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { registerAuthRoutes } from '../../auth/auth-routes.ts'
import type { AuthStack } from '../../auth/auth-setup.ts'
import { registerTokenRoutes } from '../../auth/token-routes.ts'
import { registerUserRoutes } from '../../auth/user-routes.ts'
import { MAX_SENSOR_ID_LENGTH } from '../../domain/measurement.ts'
import { FlowlineError } from '../../errors.ts'
import { createHttpApp, ErrorBody } from '../../http/http-app.ts'
import type { Logger } from '../../observability/logger.ts'
import type { Metrics } from '../../observability/metrics.ts'
import { activeSpanStore } from '../../observability/tracing.ts'
import { RegistryRepository } from '../../registry/registry-repository.ts'
import { registerSensorRoutes } from '../../registry/sensor-routes.ts'
import { AlertAcknowledgements } from '../../storage/alert-acknowledgements.ts'
import { ConsoleReadRepository } from '../../storage/console-read-repository.ts'
import { DeadLettersRepository } from '../../storage/dead-letters-repository.ts'
import { ProductEventsRepository } from '../../storage/inventory/product-events-repository.ts'
import { ProductsRepository, ProductsWriteRepository } from '../../storage/inventory/products-repository.ts'
import { StockReadRepository } from '../../storage/inventory/stock-read-repository.ts'
import type { MeasurementsRepository } from '../../storage/measurements-repository.ts'
import { ReportsRepository } from '../../storage/reports-repository.ts'
import type { Storage } from '../../storage/storage.ts'
import { toStorageError } from '../../storage/storage-errors.ts'
import { WindowsReadRepository } from '../../storage/windows-read-repository.ts'
import type { DeadLetterActions } from '../dead-letters/dead-letter-actions.ts'
import { registerAlertAckRoute } from './alert-ack-route.ts'
import { registerConsoleRoutes } from './console-routes.ts'
import { registerConsoleStatic } from './console-static.ts'
import { decodeCursor, encodeCursor } from './cursor.ts'
import { registerDeadLetterRoutes } from './dead-letter-routes.ts'
import { registerEtlProxyRoutes } from './etl-proxy-routes.ts'
import { registerFlowRoutes } from './flow/flow-routes.ts'
import type { FlowSampler } from './flow/flow-sampler.ts'
import { registerInventoryRoutes } from './inventory-routes.ts'
import { registerJourneyRoutes } from './journey-routes.ts'
import { registerLookupRoute } from './lookup-route.ts'
import { registerReportRoutes } from './report-routes.ts'
import { registerWindowRoutes } from './window-routes.ts'

export interface AdminAppOptions {
  readonly storage: Storage
  readonly repository: MeasurementsRepository
  readonly logger: Logger
  readonly metrics: Metrics
  readonly defaultLimit: number
  readonly maxLimit: number
  /** Where the registry, accounts and tokens are written (and read back): the primary, not a replica. */
  readonly primary?: Storage
  /** Credentials: who may call what, and the console's sessions. */
  readonly auth: AuthStack
  /** The console's flow view; without it, GET /flow is not served. */
  readonly flow?: FlowSampler
  /** Where the console's build is (default web/dist); the routes answer 503 when it is missing. */
  readonly consoleDist?: string
  /** How often the console's live streams look for new rows, in ms (default 1000). */
  readonly livePollMs?: number
  /** Redrive and discard; without them the dead-letter routes are not served. */
  readonly deadLetterActions?: DeadLetterActions
  /** The measurements topic, named in a journey's hops read from the data. */
  readonly measurementsTopic?: string
  /** The ETL worker's run API the console's ETL page reaches through here; without it, not served. */
  readonly etlUrl?: string
}

const StoredMeasurement = Type.Object({
  id: Type.String({ description: 'row id, increasing in insertion order' }),
  sensor_id: Type.String(),
  temperature: Type.Number(),
  timestamp: Type.String({ format: 'date-time' }),
  humidity: Type.Optional(Type.Number({ description: 'relative humidity in %, from version 2 readings' })),
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
    description:
      'Reads the measurements, windows and alerts stored in PostgreSQL; the product catalog and stock; browses, redrives and discards dead letters.',
    logger: options.logger,
    metrics,
    auth: options.auth.guard,
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
      config: { access: 'viewer' },
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

  registerSensorRoutes(
    app,
    {
      reads: new RegistryRepository(options.storage.db),
      writes: new RegistryRepository((options.primary ?? options.storage).db),
    },
    query,
  )
  registerPlatformRoutes(app, options.auth)
  registerJourneyRoutes(app, {
    db: options.storage.db,
    store: activeSpanStore(),
    query,
    ...(options.measurementsTopic !== undefined && { measurementsTopic: options.measurementsTopic }),
  })
  registerWindowRoutes(app, {
    repository: new WindowsReadRepository(options.storage.db),
    query,
    defaultLimit: options.defaultLimit,
    maxLimit: options.maxLimit,
  })
  registerAlertAckRoute(app, new AlertAcknowledgements((options.primary ?? options.storage).db), query)
  registerConsoleRoutes(app, {
    repository: new ConsoleReadRepository(options.storage.db),
    measurements: repository,
    logger: options.logger,
    query,
    pollMs: options.livePollMs ?? 1000,
  })
  if (options.flow) registerFlowRoutes(app, options.flow)
  await registerConsoleStatic(app, options.consoleDist)
  registerInventoryRoutes(app, {
    products: new ProductsRepository(options.storage.db),
    productWrites: new ProductsWriteRepository((options.primary ?? options.storage).db),
    events: new ProductEventsRepository(options.storage.db),
    stock: new StockReadRepository(options.storage.db),
    query,
    defaultLimit: options.defaultLimit,
    maxLimit: options.maxLimit,
  })
  registerReportRoutes(app, { repository: new ReportsRepository(options.storage.db), query })
  const deadLetters = new DeadLettersRepository(options.storage.db)
  registerLookupRoute(app, { measurements: repository, deadLetters, query })
  if (options.deadLetterActions)
    registerDeadLetterRoutes(app, {
      repository: deadLetters,
      actions: options.deadLetterActions,
      query,
      defaultLimit: options.defaultLimit,
      maxLimit: options.maxLimit,
    })
  if (options.etlUrl) registerEtlProxyRoutes(app, { etlUrl: options.etlUrl, logger: options.logger })
  return app
}

/** Login, users and tokens. With `--auth off` there is nothing to log in to. */
function registerPlatformRoutes(app: FastifyInstance, auth: AuthStack): void {
  if (auth.authenticator)
    registerAuthRoutes(app, {
      credentials: auth.credentials,
      authenticator: auth.authenticator,
      sessions: auth.sessions,
      limiter: auth.loginLimiter,
    })
  registerUserRoutes(app, auth.credentials, auth.authenticator)
  registerTokenRoutes(app, auth.credentials, auth.authenticator)
}
