import { type Static, Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { MAX_SENSOR_ID_LENGTH } from '../domain/measurement.ts'
import { FlowlineError } from '../errors.ts'
import { ErrorBody } from '../http/http-app.ts'
import { actorOf } from './audit-log.ts'
import type { Authenticator } from './authenticator.ts'
import type { CredentialsRepository, TokenRow } from './credentials-repository.ts'
import { deviceScopeProblem, INGEST_STREAMS } from './token-scope.ts'

const SensorId = Type.String({ minLength: 1, maxLength: MAX_SENSOR_ID_LENGTH })
const Tag = Type.String({ minLength: 1, maxLength: 64 })
const Role = Type.Union([Type.Literal('admin'), Type.Literal('operator'), Type.Literal('viewer')])
const Stream = Type.Union(INGEST_STREAMS.map((name) => Type.Literal(name)))
const TokenInfo = Type.Object({
  id: Type.String(),
  kind: Type.Union([Type.Literal('device'), Type.Literal('api_key')]),
  name: Type.String(),
  role: Type.Union([Role, Type.Null()]),
  sensor_ids: Type.Union([Type.Array(Type.String()), Type.Null()]),
  tag: Type.Union([Type.String(), Type.Null()]),
  streams: Type.Union([Type.Array(Type.String()), Type.Null()], {
    description: 'device tokens: the streams they may post to (null: measurements only)',
  }),
  expires_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  revoked_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  replaced_by: Type.Union([Type.String(), Type.Null()]),
  created_by: Type.String(),
  created_at: Type.String({ format: 'date-time' }),
})
const Created = Type.Composite([
  TokenInfo,
  Type.Object({ token: Type.String({ description: 'shown this once; only its hash is kept' }) }),
])
const NewToken = Type.Object(
  {
    kind: Type.Union([Type.Literal('device'), Type.Literal('api_key')]),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    role: Type.Optional(Role),
    sensor_ids: Type.Optional(Type.Array(SensorId, { minItems: 1, maxItems: 10_000, uniqueItems: true })),
    tag: Type.Optional(Tag),
    streams: Type.Optional(
      Type.Array(Stream, {
        minItems: 1,
        uniqueItems: true,
        description:
          'device tokens: the streams they may post to (default ["measurements"]); sensor_ids or tag only with measurements',
      }),
    ),
    expires_at: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
)
const Rotate = Type.Object(
  { overlap_seconds: Type.Integer({ minimum: 0, maximum: 30 * 86_400, default: 86_400 }) },
  { additionalProperties: false },
)
const Params = Type.Object({ id: Type.String({ pattern: '^[a-z0-9]{12}$' }) })

const iso = (date: Date | null) => (date === null ? null : date.toISOString())
export const tokenInfo = (row: TokenRow) => ({
  id: row.id,
  kind: row.kind,
  name: row.name,
  role: row.role,
  sensor_ids: row.sensor_ids,
  tag: row.tag,
  streams: row.streams,
  expires_at: iso(row.expires_at),
  revoked_at: iso(row.revoked_at),
  replaced_by: row.replaced_by,
  created_by: row.created_by,
  created_at: row.created_at.toISOString(),
})

/** Device tokens and API keys, admin only: list, create (secret shown once), revoke, rotate. */
export function registerTokenRoutes(
  app: FastifyInstance,
  credentials: CredentialsRepository,
  authenticator: Authenticator | undefined,
): void {
  const config = { access: 'admin' } as const
  const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody }
  app.get(
    '/tokens',
    {
      config,
      schema: {
        summary: 'Every device token and API key (never their secrets)',
        response: { 200: Type.Array(TokenInfo), ...errors },
      },
    },
    async () => (await credentials.listTokens()).map(tokenInfo),
  )
  app.post<{ Body: Static<typeof NewToken> }>(
    '/tokens',
    {
      config,
      schema: {
        summary:
          'Create a device token (scoped to streams, and for measurements to sensor_ids or a tag) or an API key (with a role)',
        body: NewToken,
        response: { 201: Created, ...errors },
      },
    },
    async (request, reply) => {
      const body = request.body
      if (body.kind === 'device' && body.role !== undefined)
        throw new FlowlineError(
          'BAD_REQUEST',
          'body/role: a device token has no role; it may only post to the streams of its scope',
        )
      const problem =
        body.kind === 'device'
          ? deviceScopeProblem({ streams: body.streams, sensorIds: body.sensor_ids, tag: body.tag })
          : undefined
      if (problem !== undefined) throw new FlowlineError('BAD_REQUEST', `body: ${problem}`)
      if (
        body.kind === 'api_key' &&
        (body.sensor_ids !== undefined || body.tag !== undefined || body.streams !== undefined)
      )
        throw new FlowlineError('BAD_REQUEST', 'body: an API key has a role, not a device scope')
      if (body.kind === 'api_key' && body.role === undefined)
        throw new FlowlineError('BAD_REQUEST', 'body/role: an API key needs a role')
      const expiresAt = body.expires_at === undefined ? undefined : new Date(body.expires_at)
      if (expiresAt !== undefined && expiresAt.getTime() <= Date.now())
        throw new FlowlineError('BAD_REQUEST', 'body/expires_at must be in the future')
      const { row, token } = await credentials.createToken(
        {
          kind: body.kind,
          name: body.name,
          role: body.role,
          sensorIds: body.sensor_ids,
          tag: body.tag,
          streams: body.streams,
          expiresAt,
        },
        actorOf(request.principal),
      )
      return reply.code(201).send({ ...tokenInfo(row), token })
    },
  )
  app.post<{ Params: Static<typeof Params> }>(
    '/tokens/:id/revoke',
    {
      config,
      schema: { summary: 'Revoke a token now', params: Params, response: { 200: TokenInfo, ...errors } },
    },
    async (request) => {
      const row = await credentials.revokeToken(request.params.id, actorOf(request.principal))
      if (!row) throw new FlowlineError('NOT_FOUND', `No token ${request.params.id}`)
      authenticator?.forgetToken(row.id)
      return tokenInfo(row)
    },
  )
  app.post<{ Params: Static<typeof Params>; Body: Static<typeof Rotate> | undefined }>(
    '/tokens/:id/rotate',
    {
      config,
      schema: {
        summary:
          'A new token with the same scope; the old one stays valid for overlap_seconds (default 1 day)',
        params: Params,
        body: Type.Optional(Rotate),
        response: { 201: Created, ...errors },
      },
    },
    async (request, reply) => {
      const overlap = request.body?.overlap_seconds ?? 86_400
      const rotated = await credentials.rotateToken(request.params.id, overlap, actorOf(request.principal))
      if (!rotated) throw new FlowlineError('NOT_FOUND', `No live token ${request.params.id}`)
      authenticator?.forgetToken(request.params.id)
      return reply.code(201).send({ ...tokenInfo(rotated.row), token: rotated.token })
    },
  )
}
