import { useQuery } from '@tanstack/react-query'
import { useCallback, useEffect, useMemo, useState } from 'react'
import { Link } from 'react-router'
import type uPlot from 'uplot'
import { api, type Ok, unwrap } from '../../api/client'
import { useEventStream } from '../../api/use-event-stream'
import { formatTemperature, formatTime } from '../../ui/format'
import { UPlotChart } from '../../ui/uplot-chart'

type Reading = Ok<'/measurements'>['items'][number]
const WINDOW_MS = 10 * 60_000
const MAX_POINTS = 5000

const options: Omit<uPlot.Options, 'width' | 'height'> = {
  scales: { x: { time: true } },
  series: [{}, { label: 'Temperature (°C)', stroke: '#0b5cad', width: 2, points: { show: true, size: 4 } }],
  axes: [{}, { label: '°C' }],
  legend: { show: false },
}

/** The last ten minutes of a sensor's readings; each reading stored since appears as it comes. */
export function LiveReadings({ sensorId }: { readonly sensorId: string }) {
  const [readings, setReadings] = useState<Reading[]>([])
  const recent = useQuery({
    queryKey: ['recent', sensorId],
    queryFn: () =>
      unwrap(
        api.GET('/measurements', {
          params: {
            query: { sensor_id: sensorId, from: new Date(Date.now() - WINDOW_MS).toISOString(), limit: 1000 },
          },
        }),
      ),
    staleTime: Number.POSITIVE_INFINITY,
  })
  useEffect(() => {
    if (recent.data) setReadings([...recent.data.items].reverse())
  }, [recent.data])
  const append = useCallback((rows: Reading[]) => {
    setReadings((now) => {
      const last = now.at(-1)?.timestamp ?? ''
      const fresh = rows.filter((row) => row.timestamp > last)
      return fresh.length === 0 ? now : [...now, ...fresh].slice(-MAX_POINTS)
    })
  }, [])
  const stream = useEventStream<Reading[]>(
    recent.isSuccess ? `/sensors/${encodeURIComponent(sensorId)}/live` : null,
    'measurements',
    append,
  )
  const data = useMemo<uPlot.AlignedData>(
    () => [readings.map((row) => Date.parse(row.timestamp) / 1000), readings.map((row) => row.temperature)],
    [readings],
  )
  const latest = readings.at(-1)
  return (
    <section aria-labelledby="live-title">
      <h2 id="live-title">Live readings</h2>
      <p aria-live="polite" className="muted">
        {latest
          ? `Latest reading: ${formatTemperature(latest.temperature)} at ${formatTime(latest.timestamp)}`
          : 'No reading in the last 10 minutes yet.'}{' '}
        · {readings.length} points · {stream === 'live' ? 'live' : stream}
        {latest && (
          <>
            {' · '}
            <Link
              to={`/journey?${new URLSearchParams({ sensor_id: sensorId, timestamp: latest.timestamp })}`}
            >
              Follow the latest reading
            </Link>
          </>
        )}
      </p>
      <UPlotChart options={options} data={data} label={`Readings of ${sensorId} over the last 10 minutes`} />
    </section>
  )
}
