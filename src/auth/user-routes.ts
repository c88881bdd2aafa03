import { type Static, Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { FlowlineError } from '../errors.ts'
import { ErrorBody } from '../http/http-app.ts'
import { actorOf } from './audit-log.ts'
import type { Authenticator } from './authenticator.ts'
import type { CredentialsRepository, UserRow } from './credentials-repository.ts'
import { hashPassword } from './passwords.ts'

export const USERNAME_PATTERN = '^[A-Za-z0-9._@-]{1,64}$'
const Role = Type.Union([Type.Literal('admin'), Type.Literal('operator'), Type.Literal('viewer')])
const Password = Type.String({ minLength: 12, maxLength: 1024, description: 'at least 12 characters' })
const User = Type.Object({
  username: Type.String(),
  role: Role,
  disabled: Type.Boolean(),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
})
const NewUser = Type.Object(
  { username: Type.String({ pattern: USERNAME_PATTERN }), role: Role, password: Password },
  { additionalProperties: false },
)
const UserChange = Type.Object(
  { role: Type.Optional(Role), password: Type.Optional(Password), disabled: Type.Optional(Type.Boolean()) },
  { additionalProperties: false, minProperties: 1 },
)
const Params = Type.Object({ username: Type.String({ pattern: USERNAME_PATTERN }) })

const shown = (row: UserRow) => ({
  username: row.username,
  role: row.role,
  disabled: row.disabled,
  created_at: row.created_at.toISOString(),
  updated_at: row.updated_at.toISOString(),
})

/** Console accounts, admin only: list, create, change (role, password, disabled), delete. */
export function registerUserRoutes(
  app: FastifyInstance,
  credentials: CredentialsRepository,
  authenticator: Authenticator | undefined,
): void {
  const config = { access: 'admin' } as const
  app.get(
    '/users',
    {
      config,
      schema: {
        summary: 'Every console account',
        response: { 200: Type.Array(User), 401: ErrorBody, 403: ErrorBody },
      },
    },
    async () => (await credentials.listUsers()).map(shown),
  )
  app.post<{ Body: Static<typeof NewUser> }>(
    '/users',
    {
      config,
      schema: {
        summary: 'Create an account',
        body: NewUser,
        response: { 201: User, 400: ErrorBody, 409: ErrorBody },
      },
    },
    async (request, reply) => {
      const { username, role, password } = request.body
      const created = await credentials.createUser(
        username,
        role,
        await hashPassword(password),
        actorOf(request.principal),
      )
      if (!created) throw new FlowlineError('CONFLICT', `User ${username} exists`)
      const row = (await credentials.usersByName([username])).get(username) as UserRow
      return reply.code(201).send(shown(row))
    },
  )
  app.patch<{ Params: Static<typeof Params>; Body: Static<typeof UserChange> }>(
    '/users/:username',
    {
      config,
      schema: {
        summary: "Change an account's role, password or disabled flag (ends its sessions)",
        description: 'Demoting or disabling the only enabled admin is refused with 409 LAST_ADMIN.',
        params: Params,
        body: UserChange,
        response: { 200: User, 400: ErrorBody, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request) => {
      const { role, password, disabled } = request.body
      const passwordHash = password === undefined ? undefined : await hashPassword(password)
      const row = await credentials.updateUser(
        request.params.username,
        { role, passwordHash, disabled },
        actorOf(request.principal),
      )
      if (!row) throw new FlowlineError('NOT_FOUND', `No user ${request.params.username}`)
      authenticator?.forgetUser(row.username)
      return shown(row)
    },
  )
  app.delete<{ Params: Static<typeof Params> }>(
    '/users/:username',
    {
      config,
      schema: {
        summary: 'Delete an account',
        description: 'Deleting the only enabled admin is refused with 409 LAST_ADMIN.',
        params: Params,
        response: { 204: Type.Null(), 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request, reply) => {
      if (!(await credentials.deleteUser(request.params.username, actorOf(request.principal))))
        throw new FlowlineError('NOT_FOUND', `No user ${request.params.username}`)
      authenticator?.forgetUser(request.params.username)
      return reply.code(204).send()
    },
  )
}
