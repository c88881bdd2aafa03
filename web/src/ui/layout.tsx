import { NavLink, Outlet } from 'react-router'
import { useAuth } from '../auth/auth-context'

export function Layout() {
  const { state, signOut } = useAuth()
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">Flowline</span>
        <nav aria-label="Main">
          <NavLink to="/" end>
            Flow
          </NavLink>
          <NavLink to="/sensors">Sensors</NavLink>
          <NavLink to="/alerts">Alerts</NavLink>
          <NavLink to="/products">Inventory</NavLink>
          <NavLink to="/reports">Reports</NavLink>
          <NavLink to="/journey">Journey</NavLink>
          <NavLink to="/dead-letters">Dead letters</NavLink>
          <NavLink to="/etl">ETL runs</NavLink>
        </nav>
        <div className="user">
          {state.status === 'signed-in' && (
            <>
              <span>
                {state.user.username} <span className="role">({state.user.role})</span>
              </span>
              <button type="button" className="link" onClick={() => void signOut()}>
                Sign out
              </button>
            </>
          )}
          {state.status === 'no-auth' && <span className="muted">Sign-in not enabled on this server</span>}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
    </>
  )
}
