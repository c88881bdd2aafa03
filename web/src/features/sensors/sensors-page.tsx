import { keepPreviousData, useQuery } from '@tanstack/react-query'
import { createColumnHelper, flexRender, getCoreRowModel, useReactTable } from '@tanstack/react-table'
import { useDeferredValue, useState } from 'react'
import { Link } from 'react-router'
import { api, type Ok, unwrap } from '../../api/client'
import { formatAge, formatInteger, formatTemperature } from '../../ui/format'
import { StatusBadge } from '../../ui/status-badge'

type Sensor = Ok<'/sensor-overview'>['items'][number]
const PAGE = 50
const column = createColumnHelper<Sensor>()
const columns = [
  column.accessor('sensor_id', {
    header: 'Sensor',
    cell: (info) => <Link to={`/sensors/${encodeURIComponent(info.getValue())}`}>{info.getValue()}</Link>,
  }),
  column.accessor('status', { header: 'Status', cell: (info) => <StatusBadge status={info.getValue()} /> }),
  column.accessor('last_temperature', {
    header: 'Last value',
    cell: (info) => formatTemperature(info.getValue()),
    meta: { number: true },
  }),
  column.accessor('last_seen', { header: 'Last reading', cell: (info) => formatAge(info.getValue()) }),
  column.accessor('count', {
    header: 'Readings',
    cell: (info) => formatInteger(info.getValue()),
    meta: { number: true },
  }),
]

/** Every sensor, a page at a time from the server (10,000 sensors never travel at once). */
export function SensorsPage() {
  const [search, setSearch] = useState('')
  const deferredSearch = useDeferredValue(search.trim())
  // Keyset paging: the `after` of each page seen, so Previous goes back exactly.
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined])
  const after = cursors.at(-1)
  const page = useQuery({
    queryKey: ['sensor-overview', deferredSearch, after],
    queryFn: () =>
      unwrap(
        api.GET('/sensor-overview', {
          params: { query: { search: deferredSearch || undefined, after, limit: PAGE, silent_after_s: 300 } },
        }),
      ),
    placeholderData: keepPreviousData,
    refetchInterval: 5000,
  })
  const table = useReactTable({ data: page.data?.items ?? [], columns, getCoreRowModel: getCoreRowModel() })
  const first = (cursors.length - 1) * PAGE + 1
  return (
    <>
      <div className="page-head">
        <h1>Sensors</h1>
        <label className="search">
          Search sensors
          <input
            type="search"
            value={search}
            onChange={(event) => {
              setSearch(event.target.value)
              setCursors([undefined])
            }}
            placeholder="part of the id"
          />
        </label>
      </div>
      {page.error && (
        <p role="alert" className="error">
          {page.error.message}
        </p>
      )}
      <table>
        <caption>
          {page.data
            ? page.data.total === 0
              ? 'No sensor matches'
              : `Sensors ${formatInteger(first)}–${formatInteger(first + page.data.items.length - 1)} of ${formatInteger(page.data.total)}`
            : 'Loading sensors…'}
        </caption>
        <thead>
          {table.getHeaderGroups().map((group) => (
            <tr key={group.id}>
              {group.headers.map((header) => (
                <th
                  key={header.id}
                  scope="col"
                  className={
                    (header.column.columnDef.meta as { number?: boolean } | undefined)?.number
                      ? 'number'
                      : undefined
                  }
                >
                  {flexRender(header.column.columnDef.header, header.getContext())}
                </th>
              ))}
            </tr>
          ))}
        </thead>
        <tbody>
          {table.getRowModel().rows.map((row) => (
            <tr key={row.id}>
              {row.getVisibleCells().map((cell) => (
                <td
                  key={cell.id}
                  className={
                    (cell.column.columnDef.meta as { number?: boolean } | undefined)?.number
                      ? 'number'
                      : undefined
                  }
                >
                  {flexRender(cell.column.columnDef.cell, cell.getContext())}
                </td>
              ))}
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
          disabled={!page.data?.next_after}
          onClick={() =>
            page.data?.next_after && setCursors((all) => [...all, page.data.next_after ?? undefined])
          }
        >
          Next
        </button>
      </div>
    </>
  )
}
