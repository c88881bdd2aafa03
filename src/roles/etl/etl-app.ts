import { Readable } from 'node:stream'
import { type Static, Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { AuthGuard } from '../../auth/access-hooks.ts'
import type { RunService } from '../../etl/run-service.ts'
import { createHttpApp, ErrorBody } from '../../http/http-app.ts'
import type { Logger } from '../../observability/logger.ts'
import type { Metrics } from '../../observability/metrics.ts'
import type { Storage } from '../../storage/storage.ts'
import { BulkRetryBody, LogLine, Run, RunId, RunsQuery, TriggerBody } from './etl-schemas.ts'
import { streamRunEvents } from './run-events.ts'

export interface EtlAppOptions {
  readonly storage: Storage
  readonly service: RunService
  readonly logger: Logger
  readonly metrics: Metrics
  /** Who may call what: viewers read runs, operators trigger, cancel and retry them. */
  readonly auth: AuthGuard
}

/** Least role per route, enforced by the auth layer (`config.access`). */
const viewer = { access: 'viewer' } as const
const operator = { access: 'operator' } as const
const errors = { 400: ErrorBody, 404: ErrorBody }

/** The ETL run API: trigger, list, follow, cancel and retry runs. */
export async function createEtlApp(options: EtlAppOptions): Promise<FastifyInstance> {
  const { service } = options
  const repository = service.repository
  const app = await createHttpApp({
    name: 'etl',
    description: 'ETL pipelines: trigger runs, follow their progress, cancel and retry them.',
    logger: options.logger,
    metrics: options.metrics,
    auth: options.auth,
    ready: async () => {
      const ready = await options.storage.isReachable()
      return { ready, detail: `${options.storage.name} ${ready ? 'reachable' : 'unreachable'}` }
    },
  })

  app.get(
    '/etl/pipelines',
    { config: viewer, schema: { summary: 'Pipelines, their parameters and retry policy' } },
    async () => ({
      items: service.pipelines.map((pipeline) => ({
        name: pipeline.name,
        description: pipeline.description,
        params: pipeline.params,
        retry: pipeline.retry,
        concurrency: pipeline.concurrency,
      })),
    }),
  )

  app.post<{ Body: Static<typeof TriggerBody> }>(
    '/etl/runs',
    {
      config: operator,
      schema: { summary: 'Queues a run', body: TriggerBody, response: { 201: Run, ...errors } },
    },
    async (request, reply) => {
      const { pipeline, params = {}, trigger = 'api' } = request.body
      return reply.code(201).send(await service.trigger(pipeline, params, trigger))
    },
  )

  app.get<{ Querystring: Static<typeof RunsQuery> }>(
    '/etl/runs',
    {
      config: viewer,
      schema: {
        summary: 'Runs, newest first, filtered by pipeline, status and creation time',
        querystring: RunsQuery,
        response: { 200: Type.Object({ items: Type.Array(Run) }), 400: ErrorBody },
      },
    },
    async (request) => {
      const { pipeline, status, from, to, limit } = request.query
      const items = await repository.list({
        pipeline,
        status,
        from: from ? new Date(from) : undefined,
        to: to ? new Date(to) : undefined,
        limit,
      })
      return { items }
    },
  )

  app.post<{ Body: Static<typeof BulkRetryBody> }>(
    '/etl/runs/retry',
    {
      config: operator,
      schema: {
        summary: 'Retries every failed run that matches (not retried yet)',
        body: BulkRetryBody,
        response: { 200: Type.Object({ items: Type.Array(Run) }), 400: ErrorBody },
      },
    },
    async (request) => {
      const { pipeline, from, to, limit } = request.body
      const items = await service.retryFailed(
        { pipeline, from: from ? new Date(from) : undefined, to: to ? new Date(to) : undefined, limit },
        'retry',
      )
      return { items }
    },
  )

  app.get<{ Params: Static<typeof RunId> }>(
    '/etl/runs/:id',
    { config: viewer, schema: { summary: 'One run', params: RunId, response: { 200: Run, ...errors } } },
    async (request) => service.get(request.params.id),
  )

  app.get<{ Params: Static<typeof RunId>; Querystring: { after: number } }>(
    '/etl/runs/:id/logs',
    {
      config: viewer,
      schema: {
        summary: "The run's log lines, oldest first",
        params: RunId,
        querystring: Type.Object({ after: Type.Integer({ minimum: 0, default: 0 }) }),
        response: { 200: Type.Object({ items: Type.Array(LogLine) }), ...errors },
      },
    },
    async (request) => {
      await service.get(request.params.id)
      return { items: await repository.logs(request.params.id, request.query.after) }
    },
  )

  app.get<{ Params: Static<typeof RunId> }>(
    '/etl/runs/:id/rejects',
    {
      config: viewer,
      schema: {
        summary: 'Rejected rows as a CSV report (line, reason, raw)',
        params: RunId,
        response: errors,
      },
    },
    async (request, reply) => {
      const id = request.params.id
      await service.get(id)
      reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="rejects-${id}.csv"`)
      return reply.send(Readable.from(rejectsCsv(service, id)))
    },
  )

  app.get<{ Params: Static<typeof RunId> }>(
    '/etl/runs/:id/events',
    { config: viewer, schema: { summary: 'Server-sent events: run, log, end', params: RunId } },
    async (request, reply) => {
      await service.get(request.params.id)
      await streamRunEvents(reply, repository, request.params.id)
    },
  )

  app.post<{ Params: Static<typeof RunId> }>(
    '/etl/runs/:id/cancel',
    {
      config: operator,
      schema: {
        summary: 'Cancels a queued or running run',
        params: RunId,
        response: { 200: Run, ...errors },
      },
    },
    async (request) => service.cancel(request.params.id),
  )

  app.post<{ Params: Static<typeof RunId> }>(
    '/etl/runs/:id/retry',
    {
      config: operator,
      schema: {
        summary: 'Queues a new run with the parameters of a failed one',
        params: RunId,
        response: { 201: Run, ...errors },
      },
    },
    async (request, reply) => reply.code(201).send(await service.retry(request.params.id, 'retry')),
  )
  return app
}

/** The rejects report, read page by page so that a large one never sits whole in memory. */
async function* rejectsCsv(service: RunService, runId: string): AsyncGenerator<string> {
  yield 'line,reason,raw\n'
  const quote = (text: string) => `"${text.replaceAll('"', '""')}"`
  let after = 0
  for (let page = 0; page < 100_000; page++) {
    const rows = await service.repository.rejects(runId, after, 5000)
    if (rows.length === 0) return
    yield rows.map((row) => `${row.line},${quote(row.reason)},${quote(row.raw)}\n`).join('')
    after = rows.at(-1)?.line ?? after
  }
}
