import { ApiError } from '../api/client'

// The auth routes come with the platform branch (the session's auth contract). Until the admin
// role serves them, their types are written here; after the merge they come from schema.d.ts.
export type Role = 'viewer' | 'operator' | 'admin'
export interface User {
  readonly username: string
  readonly role: Role
}

const RANK: Readonly<Record<Role, number>> = { viewer: 0, operator: 1, admin: 2 }

/** Whether `user` holds `least` or a role above it. */
export function hasRole(user: User, least: Role): boolean {
  return RANK[user.role] >= RANK[least]
}

async function call(path: string, init?: RequestInit): Promise<Response> {
  return fetch(path, { credentials: 'same-origin', ...init })
}

/** The signed-in user; null when nobody is; 'no-auth' when this server has no login at all. */
export async function fetchMe(): Promise<User | null | 'no-auth'> {
  const response = await call('/auth/me')
  if (response.status === 401) return null
  if (response.status === 404) return 'no-auth'
  if (!response.ok)
    throw new ApiError(response.status, 'HTTP_ERROR', `GET /auth/me answered ${response.status}`)
  return (await response.json()) as User
}

export async function login(username: string, password: string): Promise<User> {
  const response = await call('/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  })
  const body = (await response.json().catch(() => ({}))) as { user?: User; code?: string; message?: string }
  if (!response.ok || !body.user) {
    const message =
      response.status === 401
        ? 'Wrong user name or password.'
        : (body.message ?? `Login failed (${response.status}).`)
    throw new ApiError(response.status, body.code ?? 'LOGIN_FAILED', message)
  }
  return body.user
}

export async function logout(): Promise<void> {
  await call('/auth/logout', { method: 'POST' })
}
