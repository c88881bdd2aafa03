import type { FastifyInstance } from 'fastify'
import { openEventStream } from '../../../http/event-stream.ts'
import { ErrorBody } from '../../../http/http-app.ts'
import type { FlowSampler } from './flow-sampler.ts'
import { FlowSnapshot } from './flow-snapshot.ts'

// Typed by the platform branch's auth plugin; a plain object until it lands.
const VIEWER = { access: 'viewer' } as object

/** GET /flow and GET /flow/events: the live graph of the running pipeline, for the console's home. */
export function registerFlowRoutes(app: FastifyInstance, sampler: FlowSampler): void {
  app.addHook('onClose', () => sampler.close())
  app.get(
    '/flow',
    {
      config: VIEWER,
      schema: {
        summary: "The pipeline's graph now: per-edge rates, lag per partition, error rates, health",
        response: { 200: FlowSnapshot, 503: ErrorBody },
      },
    },
    async () => sampler.snapshot(),
  )
  app.get(
    '/flow/events',
    {
      config: VIEWER,
      schema: {
        summary: 'Server-sent events: one `flow` event a tick (1 s by default), each the body of GET /flow',
        produces: ['text/event-stream'],
      },
    },
    (request, reply) => {
      const stream = openEventStream(request, reply)
      const unsubscribe = sampler.subscribe((snapshot) => stream.send('flow', snapshot))
      stream.closed.addEventListener('abort', unsubscribe, { once: true })
    },
  )
}
