import { useQuery } from '@tanstack/react-query'
import { Link } from 'react-router'
import { api, unwrap } from '../../api/client'
import { formatInteger } from '../../ui/format'

/** The 20 products that sold most in 30 days, with their turnover and days of cover. */
export function StockTurnover() {
  const turnover = useQuery({
    queryKey: ['report', 'stock-turnover'],
    queryFn: () => unwrap(api.GET('/reports/stock-turnover', { params: { query: { limit: 20 } } })),
  })
  return (
    <section aria-labelledby="turnover-title">
      <h2 id="turnover-title">Stock turnover</h2>
      {turnover.error && (
        <p role="alert" className="error">
          {turnover.error.message}
        </p>
      )}
      {turnover.data?.items.length === 0 ? (
        <p className="muted">No product yet.</p>
      ) : (
        <table>
          <caption>Units sold in the last 30 days against units on hand now, most sold first</caption>
          <thead>
            <tr>
              <th scope="col">SKU</th>
              <th scope="col">Name</th>
              <th scope="col" className="number">
                Sold (30 days)
              </th>
              <th scope="col" className="number">
                On hand
              </th>
              <th scope="col" className="number">
                Turnover (30 days)
              </th>
              <th scope="col" className="number">
                Days of cover
              </th>
            </tr>
          </thead>
          <tbody>
            {turnover.data?.items.map((row) => (
              <tr key={row.sku}>
                <td>
                  <Link to={`/products/${encodeURIComponent(row.sku)}`}>{row.sku}</Link>
                </td>
                <td>{row.name}</td>
                <td className="number">{formatInteger(row.sold_30d)}</td>
                <td className="number">{formatInteger(row.on_hand)}</td>
                <td className="number">{row.turnover_30d ?? '–'}</td>
                <td className="number">{row.days_of_cover ?? '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}
