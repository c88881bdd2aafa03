import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api'
import { tracer, tracingActive, tracingSampleRatio } from './tracing.ts'

/** Routes that probes and scrapers call every few seconds: tracing them would drown the journeys. */
const UNTRACED_PATHS = new Set(['/health', '/ready', '/metrics'])

type RequestHandler = (request: IncomingMessage, response: ServerResponse) => void

/**
 * Whether a request gets a server span. Requests that start a trace are sampled here, at the door,
 * by the ratio; a request carrying a `traceparent` follows its parent's sampled flag (parent-based
 * sampling). Everything else reaches Fastify as with tracing off: no span, no context switch, no
 * wrapped listener, which is what 99 % of the requests at 1 % would otherwise pay for nothing.
 */
export function sampledAtTheDoor(request: IncomingMessage, ratio: number): boolean {
  const url = request.url ?? ''
  const query = url.indexOf('?')
  if (UNTRACED_PATHS.has(query === -1 ? url : url.slice(0, query))) return false
  const parent = request.headers.traceparent
  if (typeof parent === 'string') return !parent.endsWith('-00')
  return Math.random() < ratio
}

/**
 * Runs a sampled request inside a server span after the HTTP conventions, child of the context
 * the client sent; `nameServerSpan` names it after its route once Fastify has matched one.
 */
export function runInServerSpan(
  request: IncomingMessage,
  response: ServerResponse,
  handler: RequestHandler,
): void {
  const parent = propagation.extract(ROOT_CONTEXT, request.headers)
  const method = request.method ?? 'GET'
  const url = request.url ?? '/'
  const query = url.indexOf('?')
  const span = tracer().startSpan(
    method,
    {
      kind: SpanKind.SERVER,
      attributes: {
        'http.request.method': method,
        'url.path': query === -1 ? url : url.slice(0, query),
        'url.scheme': 'http',
        'network.protocol.version': request.httpVersion,
        ...(request.socket.remoteAddress && { 'network.peer.address': request.socket.remoteAddress }),
        ...(request.headers['user-agent'] && { 'user_agent.original': request.headers['user-agent'] }),
      },
    },
    parent,
  )
  // 'close' follows 'finish' on a completed response and comes alone on an aborted one.
  response.once('close', () => {
    span.setAttribute('http.response.status_code', response.statusCode)
    if (!response.writableFinished) span.setStatus({ code: SpanStatusCode.ERROR, message: 'aborted' })
    else if (response.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR })
    span.end()
  })
  context.with(trace.setSpan(parent, span), () => handler(request, response))
}

/** The server settings Fastify applies to an HTTP server it creates itself, and so must a factory. */
interface ServerSettings {
  readonly keepAliveTimeout?: number
  readonly requestTimeout?: number
  readonly connectionTimeout?: number
  readonly maxRequestsPerSocket?: number
}

/**
 * Fastify options that trace its HTTP server, when tracing is on: a server whose requests get a
 * span when sampled at the door. Flowline's own span rather than the HTTP instrumentation, which
 * binds each request's and response's listeners to a context for every request, sampled or not.
 */
export function tracedServerOptions(): {
  serverFactory?: (handler: RequestHandler, settings: ServerSettings) => Server
} {
  if (!tracingActive()) return {}
  const ratio = tracingSampleRatio()
  return {
    serverFactory: (handler, settings) => {
      const server = createServer((request, response) =>
        sampledAtTheDoor(request, ratio)
          ? runInServerSpan(request, response, handler)
          : handler(request, response),
      )
      // As Fastify's own server (lib/server.js): its defaults and the app's options.
      if (settings.keepAliveTimeout !== undefined) server.keepAliveTimeout = settings.keepAliveTimeout
      if (settings.requestTimeout !== undefined) server.requestTimeout = settings.requestTimeout
      if (settings.connectionTimeout !== undefined) server.setTimeout(settings.connectionTimeout)
      if ((settings.maxRequestsPerSocket ?? 0) > 0)
        server.maxRequestsPerSocket = settings.maxRequestsPerSocket ?? 0
      return server
    },
  }
}
