import { useInfiniteQuery } from '@tanstack/react-query'
import { api, unwrap } from '../../api/client'
import { formatDateTime, formatInteger } from '../../ui/format'

const PAGE = 25

/** The stock ledger and the product events, newest first, 25 more per click. */
export function ProductHistory({ sku }: { readonly sku: string }) {
  const movements = useInfiniteQuery({
    queryKey: ['product', sku, 'movements'],
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET('/products/{sku}/movements', {
          params: { path: { sku }, query: { limit: PAGE, cursor: pageParam } },
        }),
      ),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  })
  const events = useInfiniteQuery({
    queryKey: ['product', sku, 'events'],
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET('/products/{sku}/events', {
          params: { path: { sku }, query: { limit: PAGE, cursor: pageParam } },
        }),
      ),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  })
  const movementRows = movements.data?.pages.flatMap((page) => page.items) ?? []
  const eventRows = events.data?.pages.flatMap((page) => page.items) ?? []
  return (
    <>
      <section aria-labelledby="movements-title">
        <h2 id="movements-title">Movements</h2>
        <table>
          <caption>Stock ledger, newest first ({movementRows.length} shown)</caption>
          <thead>
            <tr>
              <th scope="col">At</th>
              <th scope="col">Warehouse</th>
              <th scope="col">Kind</th>
              <th scope="col" className="number">
                Quantity
              </th>
              <th scope="col">Status</th>
              <th scope="col">Reference</th>
            </tr>
          </thead>
          <tbody>
            {movementRows.map((row) => (
              <tr key={row.movement_id}>
                <td>{formatDateTime(row.timestamp)}</td>
                <td>{row.warehouse}</td>
                <td>{row.kind}</td>
                <td className="number">{formatInteger(row.quantity)}</td>
                <td>{row.status === 'refused' ? `refused: ${row.refusal?.reason ?? ''}` : 'applied'}</td>
                <td>{row.reference ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {movements.hasNextPage && (
          <button type="button" onClick={() => void movements.fetchNextPage()}>
            Older movements
          </button>
        )}
      </section>
      <section aria-labelledby="events-title">
        <h2 id="events-title">Events</h2>
        <table>
          <caption>Product events, newest first ({eventRows.length} shown)</caption>
          <thead>
            <tr>
              <th scope="col">At</th>
              <th scope="col">Type</th>
              <th scope="col" className="number">
                Quantity
              </th>
              <th scope="col">Session</th>
              <th scope="col">Customer</th>
            </tr>
          </thead>
          <tbody>
            {eventRows.map((row) => (
              <tr key={row.event_id}>
                <td>{formatDateTime(row.timestamp)}</td>
                <td>{row.type.replaceAll('_', ' ')}</td>
                <td className="number">{formatInteger(row.quantity)}</td>
                <td>{row.session_id ?? ''}</td>
                <td>{row.customer_id ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {events.hasNextPage && (
          <button type="button" onClick={() => void events.fetchNextPage()}>
            Older events
          </button>
        )}
      </section>
    </>
  )
}
