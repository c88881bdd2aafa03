import { useQuery } from '@tanstack/react-query'
import { Link } from 'react-router'
import { api, unwrap } from '../../api/client'
import { formatDateTime, formatInteger } from '../../ui/format'

/** Open low-stock alerts, newest first: a product's available stock fell below its threshold. */
export function LowStockAlerts({ sku }: { readonly sku?: string }) {
  const alerts = useQuery({
    queryKey: ['stock-alerts', 'open'],
    queryFn: () => unwrap(api.GET('/stock-alerts', { params: { query: { state: 'open', limit: 100 } } })),
    refetchInterval: 5000,
  })
  const items = (alerts.data?.items ?? []).filter((alert) => sku === undefined || alert.sku === sku)
  return (
    <section aria-labelledby="low-stock-title">
      <h2 id="low-stock-title">Low-stock alerts</h2>
      {alerts.error && (
        <p role="alert" className="error">
          {alerts.error.message}
        </p>
      )}
      {alerts.data && items.length === 0 ? (
        <p className="muted">No open low-stock alert.</p>
      ) : (
        <table>
          <caption>Open low-stock alerts, newest first</caption>
          <thead>
            <tr>
              <th scope="col">SKU</th>
              <th scope="col">Warehouse</th>
              <th scope="col" className="number">
                Available
              </th>
              <th scope="col" className="number">
                Threshold
              </th>
              <th scope="col">Since</th>
            </tr>
          </thead>
          <tbody>
            {items.map((alert) => (
              <tr key={alert.id}>
                <td>
                  <Link to={`/products/${encodeURIComponent(alert.sku)}`}>{alert.sku}</Link>
                </td>
                <td>{alert.warehouse}</td>
                <td className="number">{formatInteger(alert.available)}</td>
                <td className="number">{formatInteger(alert.threshold)}</td>
                <td>{formatDateTime(alert.at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}
