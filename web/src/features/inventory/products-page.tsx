import { keepPreviousData, useQuery } from '@tanstack/react-query'
import { type FormEvent, useDeferredValue, useState } from 'react'
import { Link, useNavigate } from 'react-router'
import { api, unwrap } from '../../api/client'
import { formatInteger } from '../../ui/format'
import { LowStockAlerts } from './low-stock-alerts'

const PAGE = 50

/** The catalog a page at a time (keyset by sku), filtered by category, and the open low-stock alerts. */
export function ProductsPage() {
  const navigate = useNavigate()
  const [category, setCategory] = useState('')
  const [sku, setSku] = useState('')
  const deferredCategory = useDeferredValue(category.trim())
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined])
  const cursor = cursors.at(-1)
  const page = useQuery({
    queryKey: ['products', deferredCategory, cursor],
    queryFn: () =>
      unwrap(
        api.GET('/products', {
          params: { query: { limit: PAGE, cursor, category: deferredCategory || undefined } },
        }),
      ),
    placeholderData: keepPreviousData,
  })
  const first = (cursors.length - 1) * PAGE + 1
  const openSku = (event: FormEvent) => {
    event.preventDefault()
    if (sku.trim()) void navigate(`/products/${encodeURIComponent(sku.trim())}`)
  }
  return (
    <>
      <div className="page-head">
        <h1>Inventory</h1>
        <form className="search" onSubmit={openSku}>
          <label>
            Open product by SKU
            <input value={sku} onChange={(event) => setSku(event.target.value)} placeholder="SKU" />
          </label>
          <button type="submit">Open</button>
        </form>
      </div>
      <LowStockAlerts />
      <h2>Products</h2>
      <label className="search">
        Category
        <input
          type="search"
          value={category}
          onChange={(event) => {
            setCategory(event.target.value)
            setCursors([undefined])
          }}
          placeholder="all categories"
        />
      </label>
      {page.error && (
        <p role="alert" className="error">
          {page.error.message}
        </p>
      )}
      <table>
        <caption>
          {page.data
            ? page.data.items.length === 0
              ? 'No product'
              : `Products ${formatInteger(first)}–${formatInteger(first + page.data.items.length - 1)}, by SKU`
            : 'Loading products…'}
        </caption>
        <thead>
          <tr>
            <th scope="col">SKU</th>
            <th scope="col">Name</th>
            <th scope="col">Category</th>
            <th scope="col" className="number">
              Price
            </th>
            <th scope="col" className="number">
              Low-stock threshold
            </th>
          </tr>
        </thead>
        <tbody>
          {page.data?.items.map((product) => (
            <tr key={product.sku}>
              <td>
                <Link to={`/products/${encodeURIComponent(product.sku)}`}>{product.sku}</Link>
              </td>
              <td>{product.name}</td>
              <td>{product.category}</td>
              <td className="number">{product.price}</td>
              <td className="number">{product.low_stock_threshold ?? '–'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="pager">
        <button
          type="button"
          disabled={cursors.length === 1}
          onClick={() => setCursors((all) => all.slice(0, -1))}
        >
          Previous
        </button>
        <button
          type="button"
          disabled={!page.data?.next_cursor}
          onClick={() =>
            page.data?.next_cursor && setCursors((all) => [...all, page.data.next_cursor ?? undefined])
          }
        >
          Next
        </button>
      </div>
    </>
  )
}
