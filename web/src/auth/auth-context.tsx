import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react'
import { UNAUTHORIZED_EVENT } from '../api/client'
import { fetchMe, hasRole, login, logout, type Role, type User } from './auth-api'

export type AuthState =
  | { readonly status: 'loading' }
  | { readonly status: 'signed-out' }
  | { readonly status: 'signed-in'; readonly user: User }
  /** The server has no login (its auth is not installed): every page shows, the server decides. */
  | { readonly status: 'no-auth' }

interface AuthValue {
  readonly state: AuthState
  signIn(username: string, password: string): Promise<void>
  signOut(): Promise<void>
  /** Whether the UI should offer what needs `least`; the server enforces it regardless. */
  can(least: Role): boolean
}

const AuthContext = createContext<AuthValue | null>(null)

export function AuthProvider({ children }: { readonly children: ReactNode }) {
  const [state, setState] = useState<AuthState>({ status: 'loading' })
  useEffect(() => {
    fetchMe()
      .then((me) =>
        setState(
          me === 'no-auth'
            ? { status: 'no-auth' }
            : me
              ? { status: 'signed-in', user: me }
              : { status: 'signed-out' },
        ),
      )
      .catch(() => setState({ status: 'signed-out' }))
    const expired = () => setState((now) => (now.status === 'signed-in' ? { status: 'signed-out' } : now))
    window.addEventListener(UNAUTHORIZED_EVENT, expired)
    return () => window.removeEventListener(UNAUTHORIZED_EVENT, expired)
  }, [])
  const signIn = useCallback(async (username: string, password: string) => {
    setState({ status: 'signed-in', user: await login(username, password) })
  }, [])
  const signOut = useCallback(async () => {
    await logout()
    setState({ status: 'signed-out' })
  }, [])
  const value = useMemo<AuthValue>(
    () => ({
      state,
      signIn,
      signOut,
      can: (least) =>
        state.status === 'no-auth' || (state.status === 'signed-in' && hasRole(state.user, least)),
    }),
    [state, signIn, signOut],
  )
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>
}

export function useAuth(): AuthValue {
  const value = useContext(AuthContext)
  if (!value) throw new Error('useAuth outside AuthProvider')
  return value
}
