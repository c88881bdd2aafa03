import { type FormEvent, useState } from 'react'
import { Navigate, useSearchParams } from 'react-router'
import { useAuth } from './auth-context'

export function LoginPage() {
  const { state, signIn } = useAuth()
  const [params] = useSearchParams()
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const next = params.get('next') ?? '/'
  if (state.status === 'signed-in' || state.status === 'no-auth') return <Navigate to={next} replace />

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const form = new FormData(event.currentTarget)
    setBusy(true)
    setError(null)
    try {
      await signIn(String(form.get('username')), String(form.get('password')))
    } catch (failure) {
      setError((failure as Error).message)
    } finally {
      setBusy(false)
    }
  }

  return (
    <main id="main" className="login">
      <h1>Sign in to Flowline</h1>
      <form onSubmit={submit} className="card stack">
        <label>
          User name
          <input name="username" autoComplete="username" required />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" required />
        </label>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  )
}
