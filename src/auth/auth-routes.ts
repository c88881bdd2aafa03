import { type Static, Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { FlowlineError } from '../errors.ts'
import { ErrorBody } from '../http/http-app.ts'
import { type Authenticator, SESSION_COOKIE } from './authenticator.ts'
import type { CredentialsRepository } from './credentials-repository.ts'
import type { LoginLimiter } from './login-limiter.ts'
import { decoyHash, verifyPassword } from './passwords.ts'
import type { SessionTokens } from './session-tokens.ts'

export interface AuthRoutesOptions {
  readonly credentials: CredentialsRepository
  readonly authenticator: Authenticator
  readonly sessions: SessionTokens
  readonly limiter: LoginLimiter
}

const Login = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 64 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  { additionalProperties: false },
)
const Me = Type.Object({ username: Type.String(), role: Type.String() })

/** POST /auth/login, POST /auth/logout, GET /auth/me: the console's session. */
export function registerAuthRoutes(app: FastifyInstance, options: AuthRoutesOptions): void {
  const { credentials, authenticator, sessions, limiter } = options

  app.post<{ Body: Static<typeof Login> }>(
    '/auth/login',
    {
      config: { access: 'public' },
      schema: {
        summary: 'Log in: a session token in the body and in an HttpOnly cookie',
        body: Login,
        response: {
          200: Type.Object({
            token: Type.String(),
            expires_at: Type.String({ format: 'date-time' }),
            user: Me,
          }),
          400: ErrorBody,
          401: ErrorBody,
          429: ErrorBody,
        },
      },
    },
    async (request, reply) => {
      const { username, password } = request.body
      const wait = await limiter.retryAfterS(username, request.ip)
      if (wait > 0) {
        void reply.header('retry-after', String(wait))
        throw new FlowlineError('TOO_MANY_ATTEMPTS', `Too many failed logins; try again in ${wait} s`)
      }
      const user = (await credentials.usersByName([username])).get(username)
      // Hash even for an unknown user, so that the answer time does not say which names exist.
      const valid = await verifyPassword(password, user?.password_hash ?? (await decoyHash()))
      if (!user || !valid || user.disabled) {
        await limiter.failed(username, request.ip)
        throw new FlowlineError('UNAUTHENTICATED', 'Wrong user name or password')
      }
      await limiter.succeeded(username)
      const { token, expiresAt } = await sessions.issue({
        username: user.username,
        role: user.role,
        version: user.session_version,
      })
      void reply.setCookie(SESSION_COOKIE, token, {
        httpOnly: true,
        sameSite: 'strict',
        secure: 'auto',
        path: '/',
        expires: expiresAt,
      })
      return {
        token,
        expires_at: expiresAt.toISOString(),
        user: { username: user.username, role: user.role },
      }
    },
  )

  app.post(
    '/auth/logout',
    {
      config: { access: 'viewer' },
      schema: {
        summary: "Log out: ends every session of the caller's account and clears the cookie",
        response: { 204: Type.Null(), 401: ErrorBody },
      },
    },
    async (request, reply) => {
      const principal = request.principal
      if (principal?.kind === 'user') {
        await credentials.endSessions(principal.name)
        authenticator.forgetUser(principal.name)
      }
      void reply.clearCookie(SESSION_COOKIE, { path: '/' })
      return reply.code(204).send()
    },
  )

  app.get(
    '/auth/me',
    {
      config: { access: 'viewer' },
      schema: {
        summary: 'Who the credential belongs to, and its role',
        response: { 200: Me, 401: ErrorBody },
      },
    },
    async (request) => ({ username: request.principal?.name ?? '', role: request.principal?.role ?? '' }),
  )
}
