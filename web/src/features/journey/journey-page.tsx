import { useQuery } from '@tanstack/react-query'
import { type FormEvent, useState } from 'react'
import { useSearchParams } from 'react-router'
import { api, type Ok, unwrap } from '../../api/client'
import { formatDateTime } from '../../ui/format'
import './journey.css'

type Journey = Ok<'/measurements/journey'>
type Hop = Journey['hops'][number]

/** What a hop is called on the timeline; a hop the server adds later shows under its own name. */
const HOP_NAMES: Record<string, string> = {
  received: 'Received by ingest',
  acknowledged: 'Acknowledged by the log',
  consumed: 'Consumed',
  written: 'Written',
  stored: 'Stored in PostgreSQL',
  committed: 'Committed',
  dead_lettered: 'Dead-lettered',
  redriven: 'Redriven',
}
const BASE_FIELDS = new Set(['hop', 'at', 'source'])

const hopName = (hop: string) => HOP_NAMES[hop] ?? hop.replaceAll('_', ' ')

/** `+12.3 ms` after the first hop: where the time of a measurement's journey went. */
function offset(hop: Hop, first: Hop): string {
  const ms = Date.parse(hop.at) - Date.parse(first.at)
  return ms < 1000 ? `+${ms.toFixed(0)} ms` : `+${(ms / 1000).toFixed(2)} s`
}

/** Every field of a hop besides its name, time and source (topic, partition, offset, group, row id...). */
function details(hop: Hop): [string, string][] {
  return Object.entries(hop)
    .filter(([key, value]) => !BASE_FIELDS.has(key) && value !== null && value !== undefined)
    .map(([key, value]) => [
      key.replaceAll('_', ' '),
      typeof value === 'object' ? JSON.stringify(value) : String(value),
    ])
}

/** One measurement's way through ingest, the log, the consumers and the database, as a timeline. */
export function JourneyPage() {
  const [params, setParams] = useSearchParams()
  const sensorId = params.get('sensor_id') ?? ''
  const timestamp = params.get('timestamp') ?? ''
  const [form, setForm] = useState({ sensorId, timestamp })
  const journey = useQuery({
    queryKey: ['journey', sensorId, timestamp],
    queryFn: () =>
      unwrap(api.GET('/measurements/journey', { params: { query: { sensor_id: sensorId, timestamp } } })),
    enabled: sensorId !== '' && timestamp !== '',
    retry: false,
  })
  const submit = (event: FormEvent) => {
    event.preventDefault()
    setParams({ sensor_id: form.sensorId.trim(), timestamp: form.timestamp.trim() })
  }
  const hops = journey.data?.hops ?? []
  const first = hops[0]
  return (
    <>
      <h1>Journey of a measurement</h1>
      <form className="toolbar journey-form" onSubmit={submit}>
        <label>
          Sensor id
          <input
            required
            value={form.sensorId}
            onChange={(event) => setForm({ ...form, sensorId: event.target.value })}
          />
        </label>
        <label>
          Timestamp
          <input
            required
            value={form.timestamp}
            placeholder="2026-12-02T10:00:00.000Z"
            onChange={(event) => setForm({ ...form, timestamp: event.target.value })}
          />
        </label>
        <button type="submit">Follow</button>
      </form>
      {journey.error && (
        <p role="alert" className="error">
          {journey.error.message}
        </p>
      )}
      {journey.data && first && (
        <section aria-labelledby="timeline-title">
          <h2 id="timeline-title">
            {journey.data.sensor_id} at {journey.data.timestamp}
          </h2>
          <p className="muted">
            {journey.data.sampled ? 'Sampled: hops from the traces and the data.' : journey.data.note}
          </p>
          <ol className="timeline" aria-label="Hops, oldest first">
            {hops.map((hop) => (
              <li key={JSON.stringify(hop)} className={`hop hop-${hop.hop}`}>
                <p className="hop-head">
                  <strong>{hopName(hop.hop)}</strong> <span className="hop-offset">{offset(hop, first)}</span>
                </p>
                <p className="muted">
                  <time dateTime={hop.at}>{formatDateTime(hop.at)}</time> · from the {hop.source}
                </p>
                {details(hop).length > 0 && (
                  <dl className="hop-details">
                    {details(hop).map(([key, value]) => (
                      <div key={key}>
                        <dt>{key}</dt>
                        <dd>{value}</dd>
                      </div>
                    ))}
                  </dl>
                )}
              </li>
            ))}
          </ol>
        </section>
      )}
    </>
  )
}
