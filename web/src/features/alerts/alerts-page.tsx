import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useCallback, useState } from 'react'
import { Link } from 'react-router'
import { api, type Ok, unwrap } from '../../api/client'
import { useEventStream } from '../../api/use-event-stream'
import { useAuth } from '../../auth/auth-context'
import { formatDateTime, formatTemperature } from '../../ui/format'
import { StatusBadge } from '../../ui/status-badge'

type Alert = Ok<'/alerts'>['items'][number]
type State = 'open' | 'resolved'

/** Open and resolved alerts; a transition stored while the page is shown appears at once. */
export function AlertsPage() {
  const [state, setState] = useState<State>('open')
  const [news, setNews] = useState<string | null>(null)
  const client = useQueryClient()
  const alerts = useQuery({
    queryKey: ['alerts', state],
    queryFn: () => unwrap(api.GET('/alerts', { params: { query: { state, limit: 100 } } })),
  })
  const onAlerts = useCallback(
    (rows: Alert[]) => {
      const last = rows.at(-1)
      if (last)
        setNews(`Alert ${last.state === 'open' ? 'opened' : 'resolved'} on ${last.sensor_id}: ${last.reason}`)
      void client.invalidateQueries({ queryKey: ['alerts'] })
    },
    [client],
  )
  const stream = useEventStream<Alert[]>('/alerts/live', 'alerts', onAlerts)
  const { can } = useAuth()
  const acknowledge = useMutation({
    mutationFn: (id: string) => unwrap(api.POST('/alerts/{id}/acknowledge', { params: { path: { id } } })),
    onSuccess: (alert) => {
      setNews(`Alert on ${alert.sensor_id} acknowledged by ${alert.acknowledged_by}`)
      void client.invalidateQueries({ queryKey: ['alerts'] })
    },
  })
  return (
    <>
      <div className="page-head">
        <h1>Alerts</h1>
        <p className="muted">{stream === 'live' ? 'Live' : 'Connecting…'}</p>
      </div>
      <output className="news">{news}</output>
      <fieldset className="toolbar">
        <legend>Alert state</legend>
        {(['open', 'resolved'] as const).map((choice) => (
          <button key={choice} type="button" aria-pressed={state === choice} onClick={() => setState(choice)}>
            {choice === 'open' ? 'Open' : 'Resolved'}
          </button>
        ))}
      </fieldset>
      {(alerts.error ?? acknowledge.error) && (
        <p role="alert" className="error">
          {(alerts.error ?? acknowledge.error)?.message}
        </p>
      )}
      <table>
        <caption>{state === 'open' ? 'Open alerts' : 'Resolved alerts'}, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Sensor</th>
            <th scope="col">State</th>
            <th scope="col">Reason</th>
            <th scope="col" className="number">
              Value
            </th>
            <th scope="col">Opened</th>
            <th scope="col">At</th>
            {state === 'open' && <th scope="col">Acknowledged</th>}
          </tr>
        </thead>
        <tbody>
          {alerts.data?.items.map((alert) => (
            <tr key={alert.id}>
              <td>
                <Link to={`/sensors/${encodeURIComponent(alert.sensor_id)}`}>{alert.sensor_id}</Link>
              </td>
              <td>
                <StatusBadge status={alert.state} />
              </td>
              <td>{alert.reason}</td>
              <td className="number">{formatTemperature(alert.value)}</td>
              <td>{formatDateTime(alert.opened_at)}</td>
              <td>{formatDateTime(alert.at)}</td>
              {state === 'open' && (
                <td>
                  {alert.acknowledged_by ? (
                    `by ${alert.acknowledged_by}`
                  ) : can('operator') ? (
                    <button
                      type="button"
                      disabled={acknowledge.isPending}
                      aria-label={`Acknowledge alert on ${alert.sensor_id}`}
                      onClick={() => acknowledge.mutate(alert.id)}
                    >
                      Acknowledge
                    </button>
                  ) : (
                    'no'
                  )}
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      {alerts.data?.items.length === 0 && <p className="muted">No {state} alert.</p>}
    </>
  )
}
