import { Type } from '@sinclair/typebox'
import { RUN_STATUSES } from '../../etl/run-repository.ts'

export const RunId = Type.Object({ id: Type.String({ format: 'uuid', description: 'the run id' }) })

const Count = Type.Integer({ minimum: 0 })

/** A run as `GET /etl/runs/{id}` answers it. */
export const Run = Type.Object({
  id: Type.String({ format: 'uuid' }),
  pipeline: Type.String(),
  params: Type.Record(Type.String(), Type.Unknown()),
  status: Type.Union(RUN_STATUSES.map((status) => Type.Literal(status))),
  trigger: Type.String({ description: 'api, cli, schedule or retry' }),
  retry_of: Type.Union([Type.String(), Type.Null()], { description: 'the run this one retries' }),
  attempt: Type.Integer({ description: 'the current attempt, from 1' }),
  max_attempts: Type.Integer(),
  progress: Type.Object({
    done: Count,
    total: Type.Union([Count, Type.Null()], { description: 'null while unknown' }),
    unit: Type.String({ description: 'bytes, days or items' }),
    rate: Type.Union([Type.Number(), Type.Null()], { description: 'units per second this attempt' }),
    eta_s: Type.Union([Type.Number(), Type.Null()], { description: 'seconds left, when the total is known' }),
  }),
  counts: Type.Object({ read: Count, valid: Count, rejected: Count, loaded: Count, duplicates: Count }),
  rows_per_s: Type.Union([Type.Number(), Type.Null()]),
  duration_ms: Type.Union([Type.Number(), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()]),
  worker: Type.Union([Type.String(), Type.Null()]),
  cancel_requested: Type.Boolean(),
  created_at: Type.String({ format: 'date-time' }),
  started_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  finished_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
})

export const TriggerBody = Type.Object(
  {
    pipeline: Type.String({ minLength: 1, description: 'a pipeline name (GET /etl/pipelines)' }),
    params: Type.Optional(
      Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()]), {
        description: "the pipeline's parameters",
      }),
    ),
    trigger: Type.Optional(Type.Union([Type.Literal('api'), Type.Literal('cli')])),
  },
  { additionalProperties: false },
)

export const RunsQuery = Type.Object({
  pipeline: Type.Optional(Type.String({ minLength: 1 })),
  status: Type.Optional(Type.Union(RUN_STATUSES.map((status) => Type.Literal(status)))),
  from: Type.Optional(Type.String({ format: 'date-time', description: 'runs created at or after' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'runs created before' })),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 50 }),
})

export const BulkRetryBody = Type.Object(
  {
    pipeline: Type.Optional(Type.String({ minLength: 1 })),
    from: Type.Optional(Type.String({ format: 'date-time' })),
    to: Type.Optional(Type.String({ format: 'date-time' })),
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  },
  { additionalProperties: false },
)

export const LogLine = Type.Object({
  id: Type.Integer(),
  at: Type.String({ format: 'date-time' }),
  level: Type.String(),
  message: Type.String(),
})
