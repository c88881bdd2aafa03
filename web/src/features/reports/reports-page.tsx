import { useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { api, unwrap } from '../../api/client'
import { formatInteger } from '../../ui/format'
import { StockTurnover } from './stock-turnover'
import { TemperaturesBySite } from './temperatures-by-site'
import { ThroughputChart } from './throughput-chart'

const RANGES = [7, 14, 30] as const

/**
 * Built-in reports, each from a `report_*` SQL view that a BI tool reads too (docs/metabase.md).
 * The database aggregates: the page gets a row per day and site, never readings.
 */
export default function ReportsPage() {
  const [days, setDays] = useState<number>(14)
  const query = { params: { query: { days } } }
  const throughput = useQuery({
    queryKey: ['report', 'throughput', days],
    queryFn: () => unwrap(api.GET('/reports/throughput', query)),
  })
  const temperatures = useQuery({
    queryKey: ['report', 'temperatures', days],
    queryFn: () => unwrap(api.GET('/reports/temperatures', query)),
  })
  const total = throughput.data?.items.reduce((sum, row) => sum + row.readings, 0)
  return (
    <>
      <div className="page-head">
        <h1>Reports</h1>
        <fieldset className="toolbar">
          <legend>Days</legend>
          {RANGES.map((choice) => (
            <button key={choice} type="button" aria-pressed={days === choice} onClick={() => setDays(choice)}>
              {choice} days
            </button>
          ))}
        </fieldset>
      </div>
      {(throughput.error ?? temperatures.error) && (
        <p role="alert" className="error">
          {(throughput.error ?? temperatures.error)?.message}
        </p>
      )}
      <section aria-labelledby="throughput-title">
        <h2 id="throughput-title">Throughput per day</h2>
        <p className="muted">
          {total === undefined
            ? 'Loading…'
            : `${formatInteger(total)} readings in the last ${days} days (1-hour windows, UTC days)`}
        </p>
        {throughput.data && <ThroughputChart rows={throughput.data.items} />}
      </section>
      <section aria-labelledby="temperatures-title">
        <h2 id="temperatures-title">Temperatures per site</h2>
        {temperatures.data && <TemperaturesBySite rows={temperatures.data.items} />}
      </section>
      <StockTurnover />
    </>
  )
}
