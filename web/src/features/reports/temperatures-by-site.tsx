import { useMemo } from 'react'
import type uPlot from 'uplot'
import type { Ok } from '../../api/client'
import { formatInteger, formatTemperature } from '../../ui/format'
import { UPlotChart } from '../../ui/uplot-chart'
import { dayAxis } from './day-axis'

type Row = Ok<'/reports/temperatures'>['items'][number]

// Distinguishable on white with a 3:1 contrast at least.
const COLORS = ['#0b5cad', '#b4490b', '#2f7d32', '#7b3fa0', '#9b1c1c', '#00707a', '#6b5b00', '#3d4f6b']

/** The daily mean temperature of each site, one line per site, and min/mean/max in a table. */
export function TemperaturesBySite({ rows }: { readonly rows: readonly Row[] }) {
  const { options, data } = useMemo(() => {
    const days = [...new Set(rows.map((row) => row.day))].sort()
    const sites = [...new Set(rows.map((row) => row.site))].sort()
    const mean = new Map(rows.map((row) => [`${row.site} ${row.day}`, row.mean]))
    const chartOptions: Omit<uPlot.Options, 'width' | 'height'> = {
      scales: { x: { time: true } },
      series: [
        {},
        ...sites.map((site, index) => ({
          label: site,
          stroke: COLORS[index % COLORS.length],
          width: 2,
          points: { show: true },
        })),
      ],
      axes: [dayAxis, { label: 'mean °C' }],
    }
    const aligned: uPlot.AlignedData = [
      days.map((day) => Date.parse(`${day}T00:00:00Z`) / 1000),
      ...sites.map((site) => days.map((day) => mean.get(`${site} ${day}`) ?? null)),
    ]
    return { options: chartOptions, data: aligned }
  }, [rows])
  if (rows.length === 0) return <p className="muted">No 1-hour window in this range yet.</p>
  return (
    <>
      <UPlotChart
        options={options}
        data={data}
        height={220}
        label="Mean temperature per day, one line per site"
      />
      <table>
        <caption>Temperatures per UTC day and site</caption>
        <thead>
          <tr>
            <th scope="col">Day</th>
            <th scope="col">Site</th>
            <th scope="col" className="number">
              Sensors
            </th>
            <th scope="col" className="number">
              Readings
            </th>
            <th scope="col" className="number">
              Min
            </th>
            <th scope="col" className="number">
              Mean
            </th>
            <th scope="col" className="number">
              Max
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={`${row.day} ${row.site}`}>
              <td>{row.day}</td>
              <td>{row.site}</td>
              <td className="number">{formatInteger(row.sensors)}</td>
              <td className="number">{formatInteger(row.readings)}</td>
              <td className="number">{formatTemperature(row.min)}</td>
              <td className="number">{formatTemperature(row.mean)}</td>
              <td className="number">{formatTemperature(row.max)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  )
}
