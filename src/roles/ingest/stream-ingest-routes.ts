import { type TSchema, Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { IncomingRecord, OutgoingRecord } from '../../broker/broker.ts'
import { ErrorBody } from '../../http/http-app.ts'
import type { Metrics } from '../../observability/metrics.ts'
import type { AnyStreamDefinition } from '../../streams/stream-definition.ts'
import { type ProduceCoalescer, refuseBeforeReading } from './produce-coalescer.ts'
import { InvalidBodyError, TooManyItemsError } from './request-body.ts'

/** Most problems listed in one 400 answer, as for measurements. */
const MAX_REPORTED_PROBLEMS = 100

export interface StreamIngestRoute {
  readonly path: string
  readonly summary: string
  readonly definition: AnyStreamDefinition
  readonly topic: string
  /** The newest payload schema, for the OpenAPI document. */
  readonly schema: TSchema
}

export interface StreamIngestOptions {
  readonly coalescer: ProduceCoalescer
  readonly metrics: Metrics
  readonly maxItems: number
}

/**
 * `POST <path>` for a stream other than measurements: the same contract as `POST /measurements`
 * (one object, an array or NDJSON; every item checked by the stream's own `decode`, so ingest and
 * the consumer apply the same rules; 202 only once the broker acknowledged every item; a 400 means
 * nothing was sent). Records are keyed by the stream's key field.
 */
export function registerStreamIngestRoute(
  app: FastifyInstance,
  route: StreamIngestRoute,
  options: StreamIngestOptions,
) {
  const { definition } = route
  app.post(
    route.path,
    {
      // Devices and shop front-ends post with a token scoped to this stream; operators may too
      // (back-office corrections). A sensor-scoped measurement token is refused with 403.
      config: { access: 'producer', stream: definition.name },
      preParsing: refuseBeforeReading(options.coalescer),
      schema: {
        summary: route.summary,
        description: `Publishes to the \`${definition.name}\` stream (key: ${definition.keyField}; idempotency key: ${definition.idempotencyKey}). One object, a JSON array or NDJSON, at most ${options.maxItems} items; 202 only after the broker acknowledged every item.`,
        body: Type.Union([route.schema, Type.Array(route.schema)]),
        response: {
          202: Type.Object({ accepted: Type.Integer() }),
          400: Type.Object({
            code: Type.String(),
            message: Type.String(),
            invalid: Type.Optional(Type.Integer()),
            errors: Type.Optional(
              Type.Array(Type.Object({ index: Type.Integer(), field: Type.String(), reason: Type.String() })),
            ),
          }),
          413: ErrorBody,
          415: ErrorBody,
          429: ErrorBody,
          503: ErrorBody,
        },
      },
      validatorCompiler: () => () => true,
    },
    async (request, reply) => {
      if (!Array.isArray(request.body))
        throw new InvalidBodyError(`The body holds no ${definition.name} item`)
      const items = request.body as unknown[]
      if (items.length > options.maxItems) throw new TooManyItemsError(items.length, options.maxItems)
      // Judged as the consumer will judge it: with the time the broker stores it, about now.
      const probe = {
        topic: route.topic,
        partition: 0,
        offset: 0n,
        key: null,
        value: Buffer.alloc(0),
        timestampMs: Date.now(),
      } satisfies IncomingRecord
      const records: OutgoingRecord[] = []
      const problems: Array<{ index: number; field: string; reason: string }> = []
      items.forEach((item, index) => {
        const decoded = definition.decode(item, probe)
        if (decoded.ok) {
          const key = String((item as Record<string, unknown>)[definition.keyField])
          records.push({ topic: route.topic, key, value: JSON.stringify(item) })
        } else if (problems.length < MAX_REPORTED_PROBLEMS) {
          problems.push({
            index,
            field: decoded.rejection.field ?? '(item)',
            reason: decoded.rejection.reason,
          })
        }
      })
      const invalid = items.length - records.length
      if (invalid > 0) {
        options.metrics.rejectedItems.inc({ reason: 'invalid' })
        return reply.code(400).send({
          code: 'VALIDATION_FAILED',
          message: `${invalid} of ${items.length} ${definition.name} items are invalid; none was accepted`,
          invalid,
          errors: problems,
        })
      }
      await options.coalescer.submit(records)
      return reply.code(202).send({ accepted: records.length })
    },
  )
}
