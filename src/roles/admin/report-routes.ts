import { type Static, Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { ErrorBody } from '../../http/http-app.ts'
import type { ReportsRepository } from '../../storage/reports-repository.ts'

export interface ReportRoutesOptions {
  readonly repository: ReportsRepository
  /** Times a query and turns an unreachable database into a 503. */
  readonly query: <T>(operation: string, run: () => Promise<T>) => Promise<T>
}

const viewer = { access: 'viewer' } as Record<string, unknown>
const Day = Type.String({ format: 'date', description: 'UTC day' })
const DaysQuery = Type.Object({
  days: Type.Integer({
    minimum: 1,
    maximum: 366,
    default: 14,
    description: 'how many UTC days, today included',
  }),
})
const LimitQuery = Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 1000, default: 20 }) })
const Number_ = Type.Number()
const Nullable = (description: string) => Type.Union([Type.Number(), Type.Null()], { description })

/**
 * The console's built-in reports: each reads one `report_*` view (migration 0010), the same a BI
 * tool reads (docs/metabase.md). The database aggregates; an answer holds a row per day or product.
 */
export function registerReportRoutes(app: FastifyInstance, options: ReportRoutesOptions): void {
  const { repository, query } = options
  app.get<{ Querystring: Static<typeof DaysQuery> }>(
    '/reports/throughput',
    {
      config: viewer,
      schema: {
        summary: 'Readings and reporting sensors per UTC day (view report_throughput_daily)',
        querystring: DaysQuery,
        response: {
          200: Type.Object({
            items: Type.Array(Type.Object({ day: Day, readings: Type.Integer(), sensors: Type.Integer() })),
          }),
          400: ErrorBody,
          503: ErrorBody,
        },
      },
    },
    async (request) => ({
      items: await query('report_throughput', () => repository.throughput(request.query.days)),
    }),
  )

  app.get<{ Querystring: Static<typeof DaysQuery> }>(
    '/reports/temperatures',
    {
      config: viewer,
      schema: {
        summary: 'Min, mean and max temperature per UTC day and site (view report_temperatures_daily)',
        querystring: DaysQuery,
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({
                day: Day,
                site: Type.String({ description: 'the registry site; "unassigned" without one' }),
                sensors: Type.Integer(),
                readings: Type.Integer(),
                min: Number_,
                mean: Number_,
                max: Number_,
              }),
            ),
          }),
          400: ErrorBody,
          503: ErrorBody,
        },
      },
    },
    async (request) => ({
      items: await query('report_temperatures', () => repository.temperatures(request.query.days)),
    }),
  )

  app.get<{ Querystring: Static<typeof LimitQuery> }>(
    '/reports/stock-turnover',
    {
      config: viewer,
      schema: {
        summary: 'Units sold in 30 days against units on hand, per product (view report_stock_turnover)',
        querystring: LimitQuery,
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({
                sku: Type.String(),
                name: Type.String(),
                category: Type.String(),
                sold_30d: Type.Integer(),
                on_hand: Type.Integer(),
                available: Type.Integer(),
                turnover_30d: Nullable('sold in 30 days / on hand; null with nothing on hand'),
                days_of_cover: Nullable('days the stock on hand lasts at the 30-day pace; null with no sale'),
              }),
            ),
          }),
          400: ErrorBody,
          503: ErrorBody,
        },
      },
    },
    async (request) => ({
      items: await query('report_stock_turnover', () => repository.stockTurnover(request.query.limit)),
    }),
  )
}
