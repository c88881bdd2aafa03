import type { Static } from '@sinclair/typebox'
import { Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { actorOf } from '../auth/audit-log.ts'
import { FlowlineError } from '../errors.ts'
import { ErrorBody } from '../http/http-app.ts'
import type { ChangeOutcome, RegistryRepository, SensorFields, SensorListing } from './registry-repository.ts'
import {
  SERVER_OWNED_FIELDS,
  Sensor,
  SensorId,
  SensorsQuery,
  SensorWrite,
  WRITABLE_FIELDS,
} from './sensor-schemas.ts'

type Query = <T>(operation: string, run: () => Promise<T>) => Promise<T>
type Body = Static<typeof SensorWrite>

const Params = Type.Object({ id: SensorId })
const IfMatch = Type.Object({
  'if-match': Type.Optional(
    Type.String({ description: 'the ETag of the version this change is based on; 412 when it moved on' }),
  ),
})
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 503: ErrorBody }

const iso = (date: Date | null | undefined) => (date ? new Date(date).toISOString() : null)
const etag = (version: number) => `"${version}"`

/** The API shape of a listing row: registry fields (null when not registered) and the saver's statistics. */
function shown(row: SensorListing) {
  const registered = row.version !== null && row.version !== undefined
  return {
    sensor_id: row.sensor_id,
    registered,
    name: row.name ?? null,
    description: row.description ?? null,
    location: { latitude: row.latitude ?? null, longitude: row.longitude ?? null, site: row.site ?? null },
    unit: row.unit ?? null,
    tags: row.tags ?? [],
    thresholds: (row.thresholds ?? null) as Static<typeof Sensor>['thresholds'],
    status: row.status ?? null,
    auto: row.auto ?? false,
    version: row.version ?? null,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
    count: row.measurement_count === null ? null : Number(row.measurement_count),
    first_seen: iso(row.first_seen),
    last_seen: iso(row.last_seen),
    last_temperature: row.last_temperature,
  }
}

/** Unknown and server-owned fields are refused by name, before the schema's generic message. */
async function refuseForeignFields(request: FastifyRequest): Promise<void> {
  const body = request.body
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return
  for (const field of Object.keys(body)) {
    if (SERVER_OWNED_FIELDS.has(field))
      throw new FlowlineError('INVALID_REQUEST', `body/${field} is set by the server and cannot be written`)
    if (!WRITABLE_FIELDS.has(field))
      throw new FlowlineError(
        'INVALID_REQUEST',
        `body/${field} is not a field of a sensor; writable: ${[...WRITABLE_FIELDS].join(', ')}`,
      )
  }
}

function fieldsOf(body: Body): SensorFields {
  const { location, thresholds, ...rest } = body
  if (
    thresholds &&
    (thresholds.mean_above != null || thresholds.mean_below != null) &&
    !thresholds.window_size
  )
    throw new FlowlineError(
      'INVALID_REQUEST',
      'body/thresholds/window_size is needed with mean_above or mean_below',
    )
  return { ...rest, ...(location ?? {}), ...(thresholds === undefined ? {} : { thresholds }) }
}

/** `If-Match: "3"` → 3; `*` or none → any version. A value that is no ETag of ours can never match. */
function expectedVersion(header: string | undefined): number | undefined {
  if (header === undefined || header.trim() === '*') return undefined
  const match = /^\s*(?:W\/)?"(\d{1,9})"\s*$/.exec(header)
  return match ? Number(match[1]) : -1
}

function outcome(result: ChangeOutcome, sensorId: string) {
  if ('missing' in result) throw new FlowlineError('NOT_FOUND', `Sensor ${sensorId} is not in the registry`)
  if ('stale' in result)
    throw new FlowlineError(
      'PRECONDITION_FAILED',
      `Sensor ${sensorId} is at version ${etag(result.stale.version)} now; read it again and reapply the change`,
    )
  return result.row
}

function encodeCursor(sensorId: string): string {
  return Buffer.from(sensorId).toString('base64url')
}
function decodeCursor(cursor: string): string {
  const sensorId = Buffer.from(cursor, 'base64url').toString('utf8')
  if (sensorId.length === 0 || encodeCursor(sensorId) !== cursor)
    throw new FlowlineError('INVALID_CURSOR', 'querystring/cursor is not a cursor this API returned')
  return sensorId
}

/**
 * The sensor registry: `GET /sensors` (filters, keyset paging) and `GET|POST|PATCH|DELETE
 * /sensors/{id}`, with ETags and If-Match. Reading needs a viewer (from the read database),
 * writing an operator (on the primary, which also answers the write).
 */
export function registerSensorRoutes(
  app: FastifyInstance,
  registry: { readonly reads: RegistryRepository; readonly writes: RegistryRepository },
  query: Query,
): void {
  const { reads, writes } = registry
  const read = { access: 'viewer' } as const
  const write = { access: 'operator' } as const

  app.get<{ Querystring: Static<typeof SensorsQuery> }>(
    '/sensors',
    {
      config: read,
      schema: {
        summary: 'Registered and seen sensors in id order, with their statistics; keyset paging',
        querystring: SensorsQuery,
        response: {
          200: Type.Object({
            items: Type.Array(Sensor),
            next_cursor: Type.Union([Type.String(), Type.Null()]),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const { tag, site, status, active, limit, cursor } = request.query
      const after = cursor === undefined ? undefined : decodeCursor(cursor)
      const rows = await query('sensors', () => reads.list({ tag, site, status, active, after, limit }))
      const last = rows.at(-1)
      return {
        items: rows.map(shown),
        next_cursor: rows.length === limit && last ? encodeCursor(last.sensor_id) : null,
      }
    },
  )

  app.get<{ Params: Static<typeof Params> }>(
    '/sensors/:id',
    {
      config: read,
      schema: { summary: 'One sensor, with an ETag', params: Params, response: { 200: Sensor, ...errors } },
    },
    async (request, reply) => {
      const row = await query('sensor', () => reads.get(request.params.id))
      if (!row) throw new FlowlineError('NOT_FOUND', `No sensor ${request.params.id}`)
      if (row.version != null) void reply.header('etag', etag(row.version))
      return shown(row)
    },
  )

  app.post<{ Params: Static<typeof Params>; Body: Body }>(
    '/sensors/:id',
    {
      config: write,
      preValidation: refuseForeignFields,
      schema: {
        summary: 'Register a sensor',
        params: Params,
        body: SensorWrite,
        response: { 201: Sensor, 409: ErrorBody, ...errors },
      },
    },
    async (request, reply) => {
      const { id } = request.params
      const fields = fieldsOf(request.body ?? {})
      const created = await query('sensor_create', () =>
        writes.create(id, fields, actorOf(request.principal)),
      )
      if (!created)
        throw new FlowlineError('CONFLICT', `Sensor ${id} is registered already; PATCH it instead`)
      const row = (await query('sensor', () => writes.get(id))) as SensorListing
      return reply
        .code(201)
        .header('etag', etag(created.version))
        .header('location', `/sensors/${encodeURIComponent(id)}`)
        .send(shown(row))
    },
  )

  app.patch<{ Params: Static<typeof Params>; Body: Body; Headers: Static<typeof IfMatch> }>(
    '/sensors/:id',
    {
      config: write,
      preValidation: refuseForeignFields,
      schema: {
        summary: 'Change a sensor (fields given replace, null clears); If-Match makes it conditional',
        params: Params,
        headers: IfMatch,
        body: SensorWrite,
        response: { 200: Sensor, 412: ErrorBody, ...errors },
      },
    },
    async (request, reply) => {
      const { id } = request.params
      const fields = fieldsOf(request.body ?? {})
      const version = expectedVersion(request.headers['if-match'])
      const row = outcome(
        await query('sensor_update', () => writes.update(id, fields, version, actorOf(request.principal))),
        id,
      )
      const listing = (await query('sensor', () => writes.get(id))) as SensorListing
      return reply.header('etag', etag(row.version)).send(shown(listing))
    },
  )

  app.delete<{ Params: Static<typeof Params>; Headers: Static<typeof IfMatch> }>(
    '/sensors/:id',
    {
      config: write,
      schema: {
        summary: 'Remove a sensor from the registry (its measurements stay); If-Match makes it conditional',
        params: Params,
        headers: IfMatch,
        response: { 204: Type.Null(), 412: ErrorBody, ...errors },
      },
    },
    async (request, reply) => {
      const { id } = request.params
      const version = expectedVersion(request.headers['if-match'])
      outcome(await query('sensor_delete', () => writes.remove(id, version, actorOf(request.principal))), id)
      return reply.code(204).send()
    },
  )
}
