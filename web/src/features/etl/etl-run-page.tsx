import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useCallback, useEffect, useState } from 'react'
import { Link, useParams } from 'react-router'
import { useEventStream } from '../../api/use-event-stream'
import { formatDateTime } from '../../ui/format'
import { StatusBadge } from '../../ui/status-badge'
import { FINISHED, getRun, progressText, RUNS_KEY, type Run, runLogs } from './etl-queries'

/** One run, followed live by server-sent events until it finishes; then its final counts and log. */
export default function EtlRunPage() {
  const id = useParams().id ?? ''
  const first = useQuery({ queryKey: ['etl-run', id], queryFn: () => getRun(id) })
  const [live, setLive] = useState<Run | null>(null)
  const run = live ?? first.data
  const finished = run !== undefined && FINISHED.includes(run.status)
  const client = useQueryClient()
  // A run that ends here changes a row of the list, which polls only while it has a run going.
  useEffect(() => {
    if (finished) void client.invalidateQueries({ queryKey: RUNS_KEY })
  }, [finished, client])
  const onRun = useCallback((next: Run) => setLive(next), [])
  // The stream ends when the run does; it is not reopened then.
  const stream = useEventStream<Run>(finished ? null : `/etl/runs/${id}/events`, 'run', onRun)
  const logs = useQuery({
    queryKey: ['etl-run-logs', id, finished],
    queryFn: () => runLogs(id),
    enabled: run !== undefined,
  })
  return (
    <>
      <p>
        <Link to="/etl">← ETL runs</Link>
      </p>
      <div className="page-head">
        <h1>Run of {run?.pipeline ?? '…'}</h1>
        {run && <StatusBadge status={run.status} />}
        <p className="muted">{finished ? 'Finished' : stream === 'live' ? 'Live' : 'Connecting…'}</p>
      </div>
      {first.error && (
        <p role="alert" className="error">
          {first.error.message}
        </p>
      )}
      {run && (
        <>
          <output className="news">
            Status: {run.status} · {progressText(run)}
          </output>
          <dl className="facts">
            <dt>Run id</dt>
            <dd>{run.id}</dd>
            <dt>Attempt</dt>
            <dd>
              {run.attempt} of {run.max_attempts}
            </dd>
            <dt>Read / valid / rejected / loaded / duplicates</dt>
            <dd>
              {run.counts.read} / {run.counts.valid} / {run.counts.rejected} / {run.counts.loaded} /{' '}
              {run.counts.duplicates}
            </dd>
            <dt>Parameters</dt>
            <dd>
              <code>{JSON.stringify(run.params)}</code>
            </dd>
            <dt>Created</dt>
            <dd>{formatDateTime(run.created_at)}</dd>
            {run.duration_ms !== null && (
              <>
                <dt>Duration</dt>
                <dd>{(run.duration_ms / 1000).toFixed(1)} s</dd>
              </>
            )}
            {run.error && (
              <>
                <dt>Error</dt>
                <dd className="error">{run.error}</dd>
              </>
            )}
          </dl>
        </>
      )}
      <h2>Log</h2>
      <ol className="log">
        {logs.data?.items.map((line) => (
          <li key={line.id}>
            <time dateTime={line.at}>{formatDateTime(line.at)}</time> [{line.level}] {line.message}
          </li>
        ))}
      </ol>
    </>
  )
}
