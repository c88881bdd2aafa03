import { type Static, Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { FlowlineError } from '../../errors.ts'
import { ErrorBody } from '../../http/http-app.ts'
import { access } from '../../http/route-access.ts'
import type { DeadLetterFilter, DeadLettersRepository } from '../../storage/dead-letters-repository.ts'
import type { DeadLetterActions } from '../dead-letters/dead-letter-actions.ts'

export interface DeadLetterRoutesOptions {
  /** Reads (the read database). */
  readonly repository: DeadLettersRepository
  /** Redrive and discard (the primary database and the broker). */
  readonly actions: DeadLetterActions
  /** Times a query and turns an unreachable database into a 503. */
  readonly query: <T>(operation: string, run: () => Promise<T>) => Promise<T>
  readonly defaultLimit: number
  readonly maxLimit: number
}

/** Least role each route needs (the auth layer enforces `config.access`). */
const viewer = access('viewer')
const operator = access('operator')

/** Most letters one bulk redrive takes; run it again for more. */
export const MAX_BULK_REDRIVE = 100_000
const DRY_RUN_SAMPLE = 100

const Coordinates = Type.Object({
  topic: Type.String(),
  partition: Type.Integer(),
  offset: Type.String({ description: 'a 64-bit offset, as text' }),
})
const Status = Type.Union([Type.Literal('new'), Type.Literal('redriven'), Type.Literal('discarded')])
const nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()])
const DeadLetterItem = Type.Object({
  id: Type.String(),
  status: Status,
  reason: Type.String({ description: 'why the record could not be stored' }),
  field: nullable(Type.String({ description: 'the field at fault, when one is' })),
  category: Type.Literal('permanent', { description: 'only bad data is dead-lettered; outages are retried' }),
  source: Coordinates,
  errors_record: Coordinates,
  key: nullable(Type.String()),
  sensor_id: nullable(Type.String({ description: 'read from the payload when it has one' })),
  measured_at: nullable(Type.String({ format: 'date-time', description: "the payload's timestamp" })),
  failed_at: Type.String({ format: 'date-time' }),
  first_seen: Type.String({ format: 'date-time', description: 'when the dead-letter saver stored it' }),
  acted_by: nullable(Type.String()),
  acted_at: nullable(Type.String({ format: 'date-time' })),
  redrive_count: Type.Integer(),
  payload_bytes: Type.Integer(),
})
const DeadLetterDetail = Type.Composite([
  DeadLetterItem,
  Type.Object({
    payload: Type.String({ description: 'the original bytes: text when UTF-8, otherwise base64' }),
    payload_encoding: Type.Union([Type.Literal('utf8'), Type.Literal('base64')]),
    redriven_payload: nullable(
      Type.String({
        description:
          'the corrected payload the last redrive sent (by acted_by at acted_at); null when it sent the original bytes or none was sent',
      }),
    ),
  }),
])
const FilterFields = {
  reason: Type.Optional(
    Type.String({ minLength: 1, maxLength: 200, description: 'part of the reason, any case' }),
  ),
  field: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  source_topic: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._-]{1,200}$' })),
  from: Type.Optional(Type.String({ format: 'date-time', description: 'failed at or after this time' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'failed before this time' })),
}
const IdParams = Type.Object({
  id: Type.String({ pattern: '^[1-9][0-9]{0,17}$', description: 'dead letter id' }),
})
const RedriveJob = Type.Object({
  id: Type.String(),
  state: Type.Union([Type.Literal('running'), Type.Literal('done'), Type.Literal('failed')]),
  filter: Type.Unknown(),
  matched: Type.Integer({
    description: 'new letters matching the filter when the job started (at most limit)',
  }),
  redriven: Type.Integer(),
  skipped: Type.Integer({
    description:
      'letters that cannot go back as they are (not text, no source topic, a stock movement whose movement_id the ledger decided); they stay new',
  }),
  error: nullable(Type.String()),
  started_by: Type.String(),
  started_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
})
const errors = { 400: ErrorBody, 404: ErrorBody, 409: ErrorBody, 503: ErrorBody }

const utf8 = new TextDecoder('utf-8', { fatal: true })

function detailOf(letter: Awaited<ReturnType<DeadLettersRepository['get']>> & object) {
  const { payload, ...rest } = letter
  try {
    return { ...rest, payload: utf8.decode(payload), payload_encoding: 'utf8' as const }
  } catch {
    return { ...rest, payload: payload.toString('base64'), payload_encoding: 'base64' as const }
  }
}

function filterOf(q: {
  status?: DeadLetterFilter['status']
  reason?: string
  field?: string
  source_topic?: string
  from?: string
  to?: string
}): DeadLetterFilter {
  const fromMs = q.from === undefined ? undefined : Date.parse(q.from)
  const toMs = q.to === undefined ? undefined : Date.parse(q.to)
  if (fromMs !== undefined && toMs !== undefined && fromMs > toMs)
    throw new FlowlineError('INVALID_RANGE', 'from must not be after to')
  return { status: q.status, reason: q.reason, field: q.field, sourceTopic: q.source_topic, fromMs, toMs }
}

/**
 * Who acted, for `acted_by`: the principal the auth layer (the platform branch) puts on the
 * request, or `anonymous` while there is none. One place to change if it is named otherwise.
 */
export function actorOf(request: FastifyRequest): string {
  const principal = (request as unknown as { principal?: { name?: unknown } }).principal
  return typeof principal?.name === 'string' ? principal.name : 'anonymous'
}

/** GET /dead-letters, GET /dead-letters/{id}, redrive (one, bulk), discard, and bulk progress. */
export function registerDeadLetterRoutes(app: FastifyInstance, options: DeadLetterRoutesOptions): void {
  const { repository, actions, query } = options
  const ListQuery = Type.Object({
    status: Type.Optional(Status),
    ...FilterFields,
    limit: Type.Integer({
      minimum: 1,
      maximum: options.maxLimit,
      default: options.defaultLimit,
      description: `dead letters to return, newest first (default ${options.defaultLimit}, at most ${options.maxLimit})`,
    }),
    cursor: Type.Optional(
      Type.String({ pattern: '^[1-9][0-9]{0,17}$', description: 'next_cursor of the previous page' }),
    ),
  })
  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/dead-letters',
    {
      config: viewer,
      schema: {
        summary: 'Dead letters, newest first, filtered by status, reason, field, source topic and time',
        querystring: ListQuery,
        response: {
          200: Type.Object({
            items: Type.Array(DeadLetterItem),
            next_cursor: nullable(Type.String({ description: 'pass as cursor for the next, older page' })),
          }),
          400: ErrorBody,
          503: ErrorBody,
        },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query
      const items = await query('dead_letters', () => repository.list(filterOf(request.query), limit, cursor))
      const last = items.at(-1)
      return { items, next_cursor: items.length === limit && last ? last.id : null }
    },
  )

  app.get<{ Params: Static<typeof IdParams> }>(
    '/dead-letters/:id',
    {
      config: viewer,
      schema: {
        summary: 'One dead letter, with its original payload and the corrected one last redriven',
        params: IdParams,
        response: { 200: DeadLetterDetail, 400: ErrorBody, 404: ErrorBody, 503: ErrorBody },
      },
    },
    async (request) => {
      const letter = await query('dead_letter', () => repository.get(request.params.id))
      if (!letter) throw new FlowlineError('NOT_FOUND', `no dead letter with id ${request.params.id}`)
      return detailOf(letter)
    },
  )

  const RedriveBody = Type.Object(
    {
      payload: Type.Optional(
        Type.Union([Type.Object({}, { additionalProperties: true }), Type.String({ maxLength: 1_048_576 })], {
          description:
            'the corrected record: a JSON object, or the exact text to send; absent: the original bytes',
        }),
      ),
      force: Type.Optional(Type.Boolean({ description: 'redrive a letter already redriven or discarded' })),
    },
    { additionalProperties: false },
  )
  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof RedriveBody> }>(
    '/dead-letters/:id/redrive',
    {
      config: operator,
      // A POST without a body redrives the original bytes.
      preValidation: async (request) => {
        request.body ??= {}
      },
      schema: {
        summary: 'Send a dead letter back to its source topic (optionally corrected) and mark it redriven',
        params: IdParams,
        body: RedriveBody,
        response: { 200: DeadLetterItem, ...errors },
      },
    },
    async (request) => {
      const body = request.body
      const corrected = typeof body.payload === 'object' ? JSON.stringify(body.payload) : body.payload
      return query('redrive', () =>
        actions.redrive(request.params.id, actorOf(request), corrected, body.force ?? false),
      )
    },
  )

  app.post<{ Params: Static<typeof IdParams> }>(
    '/dead-letters/:id/discard',
    {
      config: operator,
      schema: {
        summary: 'Mark a new dead letter discarded: nobody will send it back',
        params: IdParams,
        response: { 200: DeadLetterItem, ...errors },
      },
    },
    async (request) => query('discard', () => actions.discard(request.params.id, actorOf(request))),
  )

  const BulkBody = Type.Object(
    {
      filter: Type.Optional(Type.Object(FilterFields, { additionalProperties: false })),
      dry_run: Type.Optional(Type.Boolean({ description: 'count and list what would go, change nothing' })),
      limit: Type.Optional(
        Type.Integer({
          minimum: 1,
          maximum: MAX_BULK_REDRIVE,
          description: `most letters to redrive (default and most ${MAX_BULK_REDRIVE})`,
        }),
      ),
    },
    { additionalProperties: false },
  )
  app.post<{ Body: Static<typeof BulkBody> }>(
    '/dead-letters/redrive',
    {
      config: operator,
      schema: {
        summary:
          'Redrive every new dead letter of a filter (a body is required; {} takes them all), at the configured rate; dry_run only counts',
        body: BulkBody,
        response: {
          200: Type.Object({
            dry_run: Type.Literal(true),
            matched: Type.Integer({ description: 'new letters the filter matches' }),
            items: Type.Array(DeadLetterItem, { description: `the first ${DRY_RUN_SAMPLE}, oldest first` }),
          }),
          202: RedriveJob,
          400: ErrorBody,
          503: ErrorBody,
        },
      },
    },
    async (request, reply) => {
      const body = request.body
      const filter = filterOf(body.filter ?? {})
      const limit = body.limit ?? MAX_BULK_REDRIVE
      if (body.dry_run) {
        const { count, items } = await query('redrive_dry_run', () =>
          repository.matching({ ...filter, status: 'new' }, Math.min(DRY_RUN_SAMPLE, limit)),
        )
        return { dry_run: true as const, matched: Math.min(count, limit), items }
      }
      const job = await query('redrive_bulk', () => actions.startBulk(filter, limit, actorOf(request)))
      return reply.code(202).header('location', `/dead-letters/redrives/${job.id}`).send(job)
    },
  )

  app.get<{ Params: Static<typeof IdParams> }>(
    '/dead-letters/redrives/:id',
    {
      config: viewer,
      schema: {
        summary: 'Progress of a bulk redrive',
        params: IdParams,
        response: { 200: RedriveJob, 400: ErrorBody, 404: ErrorBody, 503: ErrorBody },
      },
    },
    async (request) => {
      const job = await query('redrive_job', () => actions.job(request.params.id))
      if (!job) throw new FlowlineError('NOT_FOUND', `no bulk redrive with id ${request.params.id}`)
      return job
    },
  )
}
