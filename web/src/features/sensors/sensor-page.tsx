import { useQuery } from '@tanstack/react-query'
import { Link, useParams } from 'react-router'
import { api, unwrap } from '../../api/client'
import { formatAge, formatTemperature } from '../../ui/format'
import { StatusBadge } from '../../ui/status-badge'
import { HistoryChart } from './history-chart'
import { LiveReadings } from './live-readings'
import { ThresholdsPanel } from './thresholds-panel'
import { WindowsTable } from './windows-table'

/** One sensor: status, live readings, zoomable history and its windows. */
export default function SensorPage() {
  const sensorId = useParams().id ?? ''
  const summary = useQuery({
    queryKey: ['sensor-overview', 'one', sensorId],
    queryFn: () =>
      unwrap(
        api.GET('/sensor-overview', {
          params: { query: { search: sensorId, limit: 50, silent_after_s: 300 } },
        }),
      ),
    select: (page) => page.items.find((item) => item.sensor_id === sensorId),
    refetchInterval: 5000,
  })
  return (
    <>
      <p>
        <Link to="/sensors">← Sensors</Link>
      </p>
      <div className="page-head">
        <h1>Sensor {sensorId}</h1>
        {summary.data && (
          <p>
            <StatusBadge status={summary.data.status} /> last{' '}
            {formatTemperature(summary.data.last_temperature)}, {formatAge(summary.data.last_seen)}
          </p>
        )}
      </div>
      <LiveReadings sensorId={sensorId} />
      <ThresholdsPanel sensorId={sensorId} />
      <HistoryChart sensorId={sensorId} />
      <WindowsTable sensorId={sensorId} />
    </>
  )
}
