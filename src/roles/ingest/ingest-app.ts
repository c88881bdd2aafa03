import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { AuthGuard } from '../../auth/access-hooks.ts'
import type { Broker, OutgoingRecord } from '../../broker/broker.ts'
import { encodeMeasurement, MeasurementInput } from '../../domain/measurement.ts'
import { type ItemProblem, validateMeasurement } from '../../domain/validation.ts'
import { createHttpApp, ErrorBody } from '../../http/http-app.ts'
import type { Logger } from '../../observability/logger.ts'
import { messagingSystem, publishTraced } from '../../observability/messaging-spans.ts'
import type { Metrics } from '../../observability/metrics.ts'
import type { SensorGate } from '../../registry/sensor-gate.ts'
import { type ProduceCoalescer, refuseBeforeReading } from './produce-coalescer.ts'
import {
  decodeUtf8Body,
  InvalidBodyError,
  NDJSON,
  parseJsonItems,
  parseNdjsonItems,
  TooManyItemsError,
} from './request-body.ts'
import { registerStreamIngestRoute, type StreamIngestRoute } from './stream-ingest-routes.ts'

/** Most problems listed in one 400 answer; the count says how many there were in all. */
const MAX_REPORTED_PROBLEMS = 100

export interface IngestAppOptions {
  readonly broker: Broker
  readonly coalescer: ProduceCoalescer
  readonly logger: Logger
  readonly metrics: Metrics
  readonly topic: string
  readonly bodyLimitBytes: number
  readonly maxItems: number
  readonly futureToleranceMs: number
  /** Who may send: device tokens in scope, and admins. */
  readonly auth: AuthGuard
  /** Token scopes and the registry's policy on each request's sensors; none: every sensor passes. */
  readonly gate?: SensorGate
  /** The other streams' ingest routes (`POST /stock-movements`, `POST /product-events`). */
  readonly streamRoutes?: readonly StreamIngestRoute[]
}

/**
 * 400 answers: VALIDATION_FAILED lists the bad items; INVALID_JSON says what could not be parsed,
 * INVALID_ENCODING at which byte the body stops being UTF-8.
 */
const BadRequestBody = Type.Object({
  code: Type.String({ description: 'VALIDATION_FAILED, INVALID_JSON or INVALID_ENCODING' }),
  message: Type.String(),
  invalid: Type.Optional(Type.Integer({ description: 'how many items are invalid' })),
  errors: Type.Optional(
    Type.Array(
      Type.Object({
        index: Type.Integer({ description: 'position of the item in the array or NDJSON body, from 0' }),
        field: Type.String(),
        reason: Type.String(),
      }),
      { description: `the first ${MAX_REPORTED_PROBLEMS} problems` },
    ),
  ),
})

/**
 * The ingest API: validates measurements and answers 202 only once Kafka holds every one of
 * them. A request is accepted or refused as a whole: a 400 means none of its items was sent.
 */
export async function createIngestApp(options: IngestAppOptions): Promise<FastifyInstance> {
  const app = await createHttpApp({
    name: 'ingest',
    description: `Receives sensor measurements and publishes them to ${options.broker.name === 'kafka' ? 'Kafka' : 'the embedded log'}.`,
    logger: options.logger,
    metrics: options.metrics,
    bodyLimitBytes: options.bodyLimitBytes,
    auth: options.auth,
    ready: async () => {
      const ready = await options.broker.isReachable()
      return {
        ready,
        detail: ready ? `${options.broker.name} reachable` : `${options.broker.name} unreachable`,
      }
    },
  })
  const system = messagingSystem(options.broker)
  // Only JSON and NDJSON are accepted; Fastify answers 415 for any other type. Bodies are read
  // as bytes because Fastify's own decoding would replace invalid UTF-8 instead of refusing it.
  app.removeAllContentTypeParsers()
  for (const [type, parseItems] of [
    ['application/json', parseJsonItems],
    [NDJSON, parseNdjsonItems],
  ] as const) {
    app.addContentTypeParser(type, { parseAs: 'buffer' }, (_, body, done) => {
      try {
        done(null, parseItems(decodeUtf8Body(body as Buffer)))
      } catch (error) {
        done(error as Error)
      }
    })
  }

  app.post(
    '/measurements',
    {
      config: { access: 'device' },
      preParsing: refuseBeforeReading(options.coalescer),
      schema: {
        summary: 'Submit measurements',
        description: `One measurement as a JSON object, many as a JSON array, or many as NDJSON (${NDJSON}). At most ${options.maxItems} items and ${options.bodyLimitBytes} bytes. 202 is sent only after ${options.broker.name === 'kafka' ? 'Kafka acknowledged every item (acks=all)' : 'the embedded log wrote every item to disk (fsync)'}.`,
        body: Type.Union([MeasurementInput, Type.Array(MeasurementInput)]),
        response: {
          202: Type.Object({ accepted: Type.Integer() }),
          400: BadRequestBody,
          401: ErrorBody,
          403: ErrorBody,
          413: ErrorBody,
          422: ErrorBody,
          415: ErrorBody,
          429: ErrorBody,
          503: ErrorBody,
        },
      },
      // The parsers above already decoded the body; each item is checked below so that every bad one is reported.
      validatorCompiler: () => () => true,
    },
    async (request, reply) => {
      // No body at all reaches here without a parser; it is a client error like any other.
      if (!Array.isArray(request.body)) throw new InvalidBodyError('The body holds no measurement')
      const items = request.body as unknown[]
      if (items.length > options.maxItems) throw new TooManyItemsError(items.length, options.maxItems)
      const now = Date.now()
      const records: OutgoingRecord[] = []
      const problems: ItemProblem[] = []
      let invalid = 0
      for (let index = 0; index < items.length; index++) {
        const result = validateMeasurement(items[index], now, options.futureToleranceMs)
        if (result.ok) {
          records.push({
            topic: options.topic,
            key: result.measurement.sensorId,
            value: encodeMeasurement(result.measurement),
          })
        } else {
          invalid += 1
          if (problems.length < MAX_REPORTED_PROBLEMS) problems.push({ index, ...result.problem })
        }
      }
      if (invalid > 0) {
        options.metrics.rejectedItems.inc({ reason: 'invalid' })
        return reply.code(400).send({
          code: 'VALIDATION_FAILED',
          message: `${invalid} of ${items.length} measurements are invalid; none was accepted`,
          invalid,
          errors: problems,
        })
      }
      if (options.gate) {
        const sensorIds = new Set<string>()
        for (const record of records) sensorIds.add(record.key)
        try {
          await options.gate.admit(request.principal, sensorIds)
        } catch (error) {
          options.metrics.rejectedItems.inc({
            reason: (error as { code?: string }).code?.toLowerCase() ?? 'gate',
          })
          throw error
        }
      }
      // A producer span per request when traced; its context goes into each record's headers.
      await publishTraced(system, records, (traced) => options.coalescer.submit(traced), {
        'flowline.request_id': request.id,
      })
      return reply.code(202).send({ accepted: records.length })
    },
  )
  for (const route of options.streamRoutes ?? [])
    registerStreamIngestRoute(app, route, {
      coalescer: options.coalescer,
      metrics: options.metrics,
      maxItems: options.maxItems,
    })
  return app
}
