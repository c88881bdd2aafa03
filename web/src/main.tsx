import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { lazy, type ReactNode, StrictMode, Suspense } from 'react'
import { createRoot } from 'react-dom/client'
import { BrowserRouter, Route, Routes } from 'react-router'
import { AuthProvider } from './auth/auth-context'
import { LoginPage } from './auth/login-page'
import { AlertsPage } from './features/alerts/alerts-page'
import { DeadLettersPage } from './features/dead-letters/dead-letters-page'
import { EtlRunsPage } from './features/etl/etl-runs-page'
import { FlowPage } from './features/flow/flow-page'
import { ProductPage } from './features/inventory/product-page'
import { ProductsPage } from './features/inventory/products-page'
import { JourneyPage } from './features/journey/journey-page'
import { SensorsPage } from './features/sensors/sensors-page'
import { Layout } from './ui/layout'
import { RequireAuth } from './ui/require-auth'
import './ui/styles.css'

// The sensor page carries the chart library: loaded when a sensor is opened, not on the first paint.
const SensorPage = lazy(() => import('./features/sensors/sensor-page'))
const ReportsPage = lazy(() => import('./features/reports/reports-page'))
const DeadLetterPage = lazy(() => import('./features/dead-letters/dead-letter-page'))
const EtlRunPage = lazy(() => import('./features/etl/etl-run-page'))

const queryClient = new QueryClient({
  defaultOptions: { queries: { staleTime: 2000, retry: 1, refetchOnWindowFocus: false } },
})

/** A page loaded on demand: "Loading…" until its code arrives. */
function Lazy({ page }: { readonly page: ReactNode }) {
  return <Suspense fallback={<p className="muted">Loading…</p>}>{page}</Suspense>
}

function App() {
  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      <Route
        element={
          <RequireAuth>
            <Layout />
          </RequireAuth>
        }
      >
        <Route index element={<FlowPage />} />
        <Route path="sensors" element={<SensorsPage />} />
        <Route
          path="sensors/:id"
          element={
            <Suspense fallback={<p className="muted">Loading…</p>}>
              <SensorPage />
            </Suspense>
          }
        />
        <Route path="alerts" element={<AlertsPage />} />
        <Route path="products" element={<ProductsPage />} />
        <Route path="products/:sku" element={<ProductPage />} />
        <Route
          path="reports"
          element={
            <Suspense fallback={<p className="muted">Loading…</p>}>
              <ReportsPage />
            </Suspense>
          }
        />
        <Route path="journey" element={<JourneyPage />} />
        <Route path="dead-letters" element={<DeadLettersPage />} />
        <Route path="dead-letters/:id" element={<Lazy page={<DeadLetterPage />} />} />
        <Route path="etl" element={<EtlRunsPage />} />
        <Route path="etl/:id" element={<Lazy page={<EtlRunPage />} />} />
        <Route path="*" element={<h1>Page not found</h1>} />
      </Route>
    </Routes>
  )
}

const root = document.getElementById('root')
if (root)
  createRoot(root).render(
    <StrictMode>
      <QueryClientProvider client={queryClient}>
        <AuthProvider>
          <BrowserRouter basename="/console">
            <App />
          </BrowserRouter>
        </AuthProvider>
      </QueryClientProvider>
    </StrictMode>,
  )
