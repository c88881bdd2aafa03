import { Type } from '@sinclair/typebox'
import { MAX_SENSOR_ID_LENGTH } from '../domain/measurement.ts'
import { WINDOW_SPEC_PATTERN } from '../domain/window-spec.ts'

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()])

export const SensorId = Type.String({
  minLength: 1,
  maxLength: MAX_SENSOR_ID_LENGTH,
  pattern: '^[^\\s\\u0000](.*[^\\s\\u0000])?$',
  description: 'the sensor_id its measurements carry',
})
export const Tag = Type.String({
  pattern: '^[A-Za-z0-9._:-]{1,64}$',
  description: '1 to 64 of A-Z a-z 0-9 . _ : -',
})
export const Status = Type.Union(
  [Type.Literal('active'), Type.Literal('inactive'), Type.Literal('decommissioned')],
  { description: 'decommissioned sensors may not send (ingest answers 422)' },
)

export const Location = Type.Object(
  {
    latitude: Type.Optional(Nullable(Type.Number({ minimum: -90, maximum: 90 }))),
    longitude: Type.Optional(Nullable(Type.Number({ minimum: -180, maximum: 180 }))),
    site: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
  },
  { additionalProperties: false },
)

const Temperature = Nullable(Type.Number({ minimum: -273.15, maximum: 1000 }))
export const Thresholds = Type.Object(
  {
    min_temperature: Type.Optional(Temperature),
    max_temperature: Type.Optional(Temperature),
    consecutive: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 10_000,
        description: 'readings in a row out of range before an alert opens',
      }),
    ),
    window_size: Type.Optional(
      Nullable(
        Type.String({
          pattern: WINDOW_SPEC_PATTERN,
          description: 'a window size the aggregator computes, e.g. 1h',
        }),
      ),
    ),
    mean_above: Type.Optional(Temperature),
    mean_below: Type.Optional(Temperature),
  },
  {
    additionalProperties: false,
    description: 'the alert rule of this sensor (alert_rules); null: the global default',
  },
)

/** What a client may write. Everything else (ids, versions, times, statistics) the server owns. */
export const SensorWrite = Type.Object(
  {
    name: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
    description: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
    location: Type.Optional(Location),
    unit: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
    tags: Type.Optional(Type.Array(Tag, { maxItems: 50, uniqueItems: true })),
    thresholds: Type.Optional(Nullable(Thresholds)),
    status: Type.Optional(Status),
  },
  { additionalProperties: false },
)

export const WRITABLE_FIELDS = new Set(Object.keys(SensorWrite.properties))
export const SERVER_OWNED_FIELDS = new Set([
  'sensor_id',
  'registered',
  'auto',
  'version',
  'created_at',
  'updated_at',
  'count',
  'first_seen',
  'last_seen',
  'last_temperature',
])

const Time = Nullable(Type.String({ format: 'date-time' }))
export const Sensor = Type.Object({
  sensor_id: Type.String(),
  registered: Type.Boolean({
    description: 'false: seen at ingest (--unknown-sensors accept) but not in the registry',
  }),
  name: Nullable(Type.String()),
  description: Nullable(Type.String()),
  location: Type.Object({
    latitude: Nullable(Type.Number()),
    longitude: Nullable(Type.Number()),
    site: Nullable(Type.String()),
  }),
  unit: Nullable(Type.String()),
  tags: Type.Array(Type.String()),
  thresholds: Nullable(Thresholds),
  status: Nullable(Status),
  auto: Type.Boolean({ description: 'registered by its first measurement (--unknown-sensors register)' }),
  version: Nullable(Type.Integer({ description: 'the ETag; changes with every write' })),
  created_at: Time,
  updated_at: Time,
  count: Nullable(Type.Integer({ description: 'measurements stored' })),
  first_seen: Time,
  last_seen: Time,
  last_temperature: Nullable(Type.Number()),
})

export const SensorsQuery = Type.Object({
  tag: Type.Optional(Tag),
  site: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  status: Type.Optional(Status),
  active: Type.Optional(
    Type.Boolean({ description: 'true: status active; false: inactive or decommissioned' }),
  ),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  cursor: Type.Optional(Type.String({ maxLength: 200, description: 'next_cursor of the previous page' })),
})
