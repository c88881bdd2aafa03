import { useMemo } from 'react'
import type uPlot from 'uplot'
import type { Ok } from '../../api/client'
import { formatInteger } from '../../ui/format'
import { UPlotChart } from '../../ui/uplot-chart'
import { dayAxis } from './day-axis'

type Row = Ok<'/reports/throughput'>['items'][number]

const options: Omit<uPlot.Options, 'width' | 'height'> = {
  scales: { x: { time: true } },
  series: [
    {},
    {
      label: 'Readings',
      stroke: '#0b5cad',
      fill: 'rgba(11, 92, 173, 0.15)',
      width: 2,
      points: { show: true },
    },
  ],
  axes: [dayAxis, { label: 'readings / day', size: 70 }],
}

/** Readings per UTC day, with the numbers in a table for screen readers and copy-paste. */
export function ThroughputChart({ rows }: { readonly rows: readonly Row[] }) {
  const data = useMemo<uPlot.AlignedData>(
    () => [rows.map((row) => Date.parse(`${row.day}T00:00:00Z`) / 1000), rows.map((row) => row.readings)],
    [rows],
  )
  return (
    <>
      <UPlotChart options={options} data={data} height={220} label="Readings per day" />
      <table>
        <caption>Readings per UTC day</caption>
        <thead>
          <tr>
            <th scope="col">Day</th>
            <th scope="col" className="number">
              Readings
            </th>
            <th scope="col" className="number">
              Sensors reporting
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.day}>
              <th scope="row">{row.day}</th>
              <td className="number">{formatInteger(row.readings)}</td>
              <td className="number">{formatInteger(row.sensors)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  )
}
