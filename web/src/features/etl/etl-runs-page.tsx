import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { Link } from 'react-router'
import { useAuth } from '../../auth/auth-context'
import { formatDateTime } from '../../ui/format'
import { StatusBadge } from '../../ui/status-badge'
import { FINISHED, listRuns, progressText, RUNS_KEY, retryRun } from './etl-queries'
import { TriggerForm } from './trigger-form'

/** ETL runs: operators trigger and retry; everyone sees the history, refreshed while runs go on. */
export function EtlRunsPage() {
  const { can } = useAuth()
  const client = useQueryClient()
  const runs = useQuery({
    queryKey: RUNS_KEY,
    queryFn: listRuns,
    // Read again on every arrival, even from a cache a second old: the list read before a run was
    // triggered holds neither that run nor anything unfinished, so nothing below would refresh it.
    refetchOnMount: 'always',
    // Only while something runs; a run's own page follows it live.
    refetchInterval: (query) =>
      query.state.data?.items.some((run) => !FINISHED.includes(run.status)) ? 2000 : false,
  })
  const retry = useMutation({
    mutationFn: retryRun,
    onSuccess: () => client.invalidateQueries({ queryKey: RUNS_KEY }),
  })
  const failure = runs.error ?? retry.error
  return (
    <>
      <div className="page-head">
        <h1>ETL runs</h1>
        <p className="muted">Pipelines that import, enrich and roll up data</p>
      </div>
      {can('operator') && <TriggerForm />}
      {failure && (
        <p role="alert" className="error">
          {failure.message}
        </p>
      )}
      <table>
        <caption>Runs, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Run</th>
            <th scope="col">Pipeline</th>
            <th scope="col">Status</th>
            <th scope="col">Progress</th>
            <th scope="col" className="number">
              Loaded
            </th>
            <th scope="col" className="number">
              Rejected
            </th>
            <th scope="col">Created</th>
            {can('operator') && <th scope="col">Action</th>}
          </tr>
        </thead>
        <tbody>
          {runs.data?.items.map((run) => (
            <tr key={run.id}>
              <td>
                <Link to={`/etl/${run.id}`} aria-label={`Run ${run.id}`}>
                  {run.id.slice(0, 8)}
                </Link>
              </td>
              <td>{run.pipeline}</td>
              <td>
                <StatusBadge status={run.status} />
              </td>
              <td>{progressText(run)}</td>
              <td className="number">{run.counts.loaded}</td>
              <td className="number">{run.counts.rejected}</td>
              <td>{formatDateTime(run.created_at)}</td>
              {can('operator') && (
                <td>
                  {run.status === 'failed' && (
                    <button type="button" disabled={retry.isPending} onClick={() => retry.mutate(run.id)}>
                      Retry
                    </button>
                  )}
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      {runs.data?.items.length === 0 && <p className="muted">No run yet.</p>}
    </>
  )
}
