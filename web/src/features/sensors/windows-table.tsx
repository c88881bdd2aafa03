import { useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { api, unwrap } from '../../api/client'
import { formatDateTime, formatInteger, formatTemperature } from '../../ui/format'

const SIZES = [
  { size: '1m', label: '1 minute' },
  { size: '1h', label: '1 hour' },
] as const

/** The sensor's latest windows of one size, as the aggregator stored them. */
export function WindowsTable({ sensorId }: { readonly sensorId: string }) {
  const [size, setSize] = useState<(typeof SIZES)[number]['size']>('1m')
  const windows = useQuery({
    queryKey: ['windows', sensorId, size],
    queryFn: () =>
      unwrap(
        api.GET('/sensors/{id}/windows', { params: { path: { id: sensorId }, query: { size, limit: 15 } } }),
      ),
    refetchInterval: 5000,
  })
  return (
    <section aria-labelledby="windows-title">
      <h2 id="windows-title">Windows</h2>
      <fieldset className="toolbar">
        <legend>Window size</legend>
        {SIZES.map((choice) => (
          <button
            key={choice.size}
            type="button"
            aria-pressed={size === choice.size}
            onClick={() => setSize(choice.size)}
          >
            {choice.label}
          </button>
        ))}
      </fieldset>
      <table>
        <caption>Latest {SIZES.find((choice) => choice.size === size)?.label} windows</caption>
        <thead>
          <tr>
            <th scope="col">Start</th>
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
            <th scope="col">Closed</th>
          </tr>
        </thead>
        <tbody>
          {windows.data?.items.map((window) => (
            <tr key={window.window_start}>
              <td>{formatDateTime(window.window_start)}</td>
              <td className="number">{formatInteger(window.count)}</td>
              <td className="number">{formatTemperature(window.min)}</td>
              <td className="number">{formatTemperature(window.mean)}</td>
              <td className="number">{formatTemperature(window.max)}</td>
              <td>
                {window.final ? `yes${window.revision > 0 ? ` (rev. ${window.revision})` : ''}` : 'open'}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {windows.data?.items.length === 0 && <p className="muted">No window of this size yet.</p>}
    </section>
  )
}
