import { useQuery } from '@tanstack/react-query'
import { Link, useParams } from 'react-router'
import { api, unwrap } from '../../api/client'
import { formatInteger } from '../../ui/format'
import { LowStockAlerts } from './low-stock-alerts'
import { ProductHistory } from './product-history'

/** One product: its stock per warehouse (on hand, reserved, available), ledger, events and alerts. */
export function ProductPage() {
  const sku = useParams().sku ?? ''
  const path = { params: { path: { sku } } }
  const product = useQuery({
    queryKey: ['product', sku],
    queryFn: () => unwrap(api.GET('/products/{sku}', path)),
  })
  const stock = useQuery({
    queryKey: ['product', sku, 'stock'],
    queryFn: () => unwrap(api.GET('/products/{sku}/stock', path)),
    refetchInterval: 5000,
  })
  return (
    <>
      <p>
        <Link to="/products">← Inventory</Link>
      </p>
      <div className="page-head">
        <h1>Product {sku}</h1>
        {product.data && (
          <p>
            {product.data.name} · {product.data.category} · price {product.data.price} · low-stock threshold{' '}
            {product.data.low_stock_threshold ?? 'none'}
          </p>
        )}
      </div>
      {product.error && (
        <p role="alert" className="error">
          {product.error.message}
        </p>
      )}
      <section aria-labelledby="stock-title">
        <h2 id="stock-title">Stock</h2>
        <table>
          <caption>
            {stock.data
              ? `Stock in ${stock.data.warehouses.length} warehouse${stock.data.warehouses.length === 1 ? '' : 's'}`
              : 'Loading stock…'}
          </caption>
          <thead>
            <tr>
              <th scope="col">Warehouse</th>
              <th scope="col" className="number">
                On hand
              </th>
              <th scope="col" className="number">
                Reserved
              </th>
              <th scope="col" className="number">
                Available
              </th>
              <th scope="col">Low stock</th>
            </tr>
          </thead>
          <tbody>
            {stock.data?.warehouses.map((row) => (
              <tr key={row.warehouse}>
                <th scope="row">{row.warehouse}</th>
                <td className="number">{formatInteger(row.on_hand)}</td>
                <td className="number">{formatInteger(row.reserved)}</td>
                <td className="number">{formatInteger(row.available)}</td>
                <td>{row.low_stock ? 'yes' : 'no'}</td>
              </tr>
            ))}
          </tbody>
          {stock.data && (
            <tfoot>
              <tr>
                <th scope="row">All warehouses</th>
                <td className="number">{formatInteger(stock.data.on_hand)}</td>
                <td className="number">{formatInteger(stock.data.reserved)}</td>
                <td className="number">{formatInteger(stock.data.available)}</td>
                <td />
              </tr>
            </tfoot>
          )}
        </table>
      </section>
      <LowStockAlerts sku={sku} />
      <ProductHistory sku={sku} />
    </>
  )
}
