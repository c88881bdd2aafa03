import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { Type } from '@sinclair/typebox'
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  LogController,
} from 'fastify'
import {
  type AuthGuard,
  installAccessControl,
  metricsAllowed,
  SECURITY_SCHEMES,
} from '../auth/access-hooks.ts'
import { ERROR_CODES, type ErrorCode, FlowlineError } from '../errors.ts'
import { tracedServerOptions } from '../observability/http-server-spans.ts'
import type { Logger } from '../observability/logger.ts'
import type { Metrics } from '../observability/metrics.ts'
import { nameServerSpan, tracingActive } from '../observability/tracing.ts'

export const ErrorBody = Type.Object(
  {
    code: Type.String({ description: 'stable machine-readable code' }),
    message: Type.String({ description: 'what went wrong, for a person' }),
  },
  { additionalProperties: true },
)

export interface HttpAppOptions {
  readonly name: string
  readonly description: string
  readonly logger: Logger
  readonly metrics: Metrics
  readonly bodyLimitBytes?: number
  /** Answers GET /ready: whether the service this app depends on can be reached. */
  readonly ready: () => Promise<{ ready: boolean; detail: string }>
  /** Who may call what; `AUTH_OFF` lets everyone in. */
  readonly auth: AuthGuard
}

/**
 * A Fastify app with what every Flowline API shares: one error handler that answers
 * `{ code, message }` and hides internals on a 5xx, request metrics, /health, /ready, /metrics,
 * an OpenAPI document with Swagger UI at /docs, and access control: every route declares the
 * least credential it needs in `config.access` (see src/auth/access.ts); undeclared means admin.
 */
export async function createHttpApp(options: HttpAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimitBytes ?? 1024 * 1024,
    // Keep-alive connections from a load generator must not pin the process on shutdown.
    forceCloseConnections: true,
    ajv: { customOptions: { coerceTypes: true, removeAdditional: false } },
    // With tracing on, a server whose sampled requests run inside a server span.
    ...tracedServerOptions(),
  })
  await installAccessControl(app, options.auth)
  await app.register(swagger, {
    openapi: {
      info: { title: `Flowline ${options.name}`, description: options.description, version: '0.1.0' },
      components: { securitySchemes: SECURITY_SCHEMES },
    },
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })

  // Only when tracing is on: otherwise no hook runs per request. A callback hook, not an async
  // one: no promise and no microtask for each request, most of which are not sampled.
  if (tracingActive())
    app.addHook('onRequest', (request, _reply, done) => {
      nameServerSpan(request.method, request.routeOptions.url)
      done()
    })
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched'
    options.metrics.httpRequests.inc({
      app: options.name,
      route,
      method: request.method,
      status: reply.statusCode,
    })
    options.metrics.httpDuration.observe({ app: options.name, route }, reply.elapsedTime / 1000)
  })

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof FlowlineError) {
      // Retryable failures are logged once per produce batch where they happen, not once per request.
      if (error.retryable) void reply.header('retry-after', '1')
      // A lasting failure on our side needs a person: the log has its cause, the client its code.
      else if (error.statusCode >= 500) request.log.error({ err: error }, 'request failed')
      return reply.code(error.statusCode).send({ code: error.code, message: error.message })
    }
    const status = error.statusCode ?? 500
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed')
      return reply.code(500).send({ code: 'INTERNAL', message: 'Internal error; see the server log' })
    }
    return reply.code(status).send({ code: clientErrorCode(error), message: error.message })
  })
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ code: 'NOT_FOUND', message: `No route ${request.method} ${request.url}` }),
  )

  app.get('/health', { schema: { hide: true } }, async () => ({ status: 'ok' }))
  app.get('/ready', { schema: { hide: true } }, async (_, reply) => {
    const { ready, detail } = await options.ready()
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', detail })
  })
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    if (!metricsAllowed(options.auth, request.headers.authorization))
      throw new FlowlineError('UNAUTHENTICATED', 'GET /metrics needs the metrics token (--metrics-token)')
    return reply.type(options.metrics.registry.contentType).send(await options.metrics.registry.metrics())
  })
  return app
}

function clientErrorCode(error: FastifyError): ErrorCode {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'BODY_TOO_LARGE'
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'UNSUPPORTED_MEDIA_TYPE'
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'EMPTY_BODY'
    case 'FST_ERR_VALIDATION':
      return 'INVALID_REQUEST'
    default:
      return error.code in ERROR_CODES ? (error.code as ErrorCode) : 'BAD_REQUEST'
  }
}
