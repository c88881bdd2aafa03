import { Readable } from 'node:stream'
import type { ReadableStream as WebReadableStream } from 'node:stream/web'
import { Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { FlowlineError } from '../../errors.ts'
import { ErrorBody } from '../../http/http-app.ts'
import { type Access, access } from '../../http/route-access.ts'
import type { Logger } from '../../observability/logger.ts'
import { LogLine, Run, RunId, RunsQuery, TriggerBody } from '../etl/etl-schemas.ts'

export interface EtlProxyOptions {
  /** The ETL worker's run API (`--etl-url`; `up` points it at its own ETL role). */
  readonly etlUrl: string
  readonly logger: Logger
}

/** Headers that carry who is calling and what is sent: the ETL worker checks the same credentials. */
const FORWARDED = ['authorization', 'cookie', 'content-type', 'accept', 'traceparent', 'tracestate']
const errors = { 400: ErrorBody, 404: ErrorBody, 503: ErrorBody }

/**
 * The console is served by the admin role and its pages call their own origin, while the ETL run
 * API lives on the worker's port (8085). These routes forward the console's ETL calls there. Both
 * ends enforce the role: the admin here (`config.access`), the worker again with the same
 * credentials, so an operator's session triggers and a viewer's cannot.
 */
export function registerEtlProxyRoutes(app: FastifyInstance, options: EtlProxyOptions): void {
  const forward = async (request: FastifyRequest, reply: FastifyReply) => {
    const upstream = new AbortController()
    // A closed console tab ends its event stream at the worker too.
    reply.raw.on('close', () => upstream.abort())
    const headers = new Headers()
    for (const name of FORWARDED) {
      const value = request.headers[name]
      if (typeof value === 'string') headers.set(name, value)
    }
    let response: Response
    try {
      response = await fetch(new URL(request.url, options.etlUrl), {
        method: request.method,
        headers,
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
        signal: upstream.signal,
      })
    } catch (error) {
      options.logger.warn({ err: error, url: options.etlUrl }, 'ETL worker unreachable')
      throw new FlowlineError(
        'ETL_UNAVAILABLE',
        'the ETL worker does not answer; is `flowline etl worker` running (admin --etl-url)?',
      )
    }
    reply.code(response.status)
    const type = response.headers.get('content-type')
    if (type) reply.type(type)
    if (type?.startsWith('text/event-stream')) {
      reply.header('cache-control', 'no-cache')
      return reply.send(response.body ? Readable.fromWeb(response.body as WebReadableStream) : '')
    }
    // The body as the worker serialised it: JSON text is sent as it is, not serialised again.
    return reply.send(await response.text())
  }
  const route = (method: 'GET' | 'POST', url: string, least: Access, schema: Record<string, unknown>) =>
    app.route({ method, url, config: access(least), schema, handler: forward })

  route('GET', '/etl/pipelines', 'viewer', {
    summary: 'ETL pipelines, their parameters and retry policy (forwarded to the ETL worker)',
    response: {
      200: Type.Object({
        items: Type.Array(
          Type.Object({
            name: Type.String(),
            description: Type.String(),
            params: Type.Unknown({ description: "the parameters' JSON schema" }),
            retry: Type.Unknown(),
            concurrency: Type.Integer(),
          }),
        ),
      }),
      503: ErrorBody,
    },
  })
  route('GET', '/etl/runs', 'viewer', {
    summary: 'ETL runs, newest first (forwarded to the ETL worker)',
    querystring: RunsQuery,
    response: { 200: Type.Object({ items: Type.Array(Run) }), 400: ErrorBody, 503: ErrorBody },
  })
  route('POST', '/etl/runs', 'operator', {
    summary: 'Queues an ETL run (forwarded to the ETL worker)',
    body: TriggerBody,
    response: { 201: Run, ...errors },
  })
  route('GET', '/etl/runs/:id', 'viewer', {
    summary: 'One ETL run (forwarded to the ETL worker)',
    params: RunId,
    response: { 200: Run, ...errors },
  })
  route('GET', '/etl/runs/:id/logs', 'viewer', {
    summary: "An ETL run's log lines (forwarded to the ETL worker)",
    params: RunId,
    querystring: Type.Object({ after: Type.Integer({ minimum: 0, default: 0 }) }),
    response: { 200: Type.Object({ items: Type.Array(LogLine) }), ...errors },
  })
  route('GET', '/etl/runs/:id/events', 'viewer', {
    summary: 'Server-sent events of an ETL run: run, log, end (forwarded from the ETL worker)',
    params: RunId,
  })
  route('POST', '/etl/runs/:id/retry', 'operator', {
    summary: 'Queues a new run with the parameters of a failed one (forwarded to the ETL worker)',
    params: RunId,
    response: { 201: Run, ...errors },
  })
  route('POST', '/etl/runs/:id/cancel', 'operator', {
    summary: 'Cancels a queued or running ETL run (forwarded to the ETL worker)',
    params: RunId,
    response: { 200: Run, ...errors },
  })
}
