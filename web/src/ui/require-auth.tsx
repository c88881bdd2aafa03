import type { ReactNode } from 'react'
import { Navigate, useLocation } from 'react-router'
import { useAuth } from '../auth/auth-context'

/** Shows its pages to a signed-in user (or to everyone when the server has no login). */
export function RequireAuth({ children }: { readonly children: ReactNode }) {
  const { state } = useAuth()
  const location = useLocation()
  if (state.status === 'loading') return <p className="muted">Loading…</p>
  if (state.status === 'signed-out')
    return <Navigate to={`/login?next=${encodeURIComponent(location.pathname + location.search)}`} replace />
  return children
}
