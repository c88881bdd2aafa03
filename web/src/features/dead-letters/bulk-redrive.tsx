import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { formatInteger } from '../../ui/format'
import { bulkDryRun, bulkRedrive, type DeadLetterFilter, redriveJob } from './dead-letter-queries'

/**
 * Redrive every new letter of the page's filter: a dry run first says how many (and changes
 * nothing); the redrive itself runs on the server at its rate limit, its progress shown here.
 */
export function BulkRedrive({ filter }: { readonly filter: DeadLetterFilter }) {
  const [matched, setMatched] = useState<{ filter: DeadLetterFilter; count: number } | null>(null)
  const [jobId, setJobId] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  const client = useQueryClient()
  const job = useQuery({
    queryKey: ['redrive-job', jobId],
    queryFn: () => redriveJob(jobId ?? ''),
    enabled: jobId !== null,
    refetchInterval: (query) => (query.state.data?.state === 'running' ? 1000 : false),
  })
  const current = matched?.filter === filter ? matched.count : null
  const run = async (action: () => Promise<void>) => {
    setError(null)
    try {
      await action()
    } catch (failure) {
      setError((failure as Error).message)
    }
  }
  return (
    <section className="card" aria-labelledby="bulk-redrive">
      <h2 id="bulk-redrive">Bulk redrive</h2>
      <p className="muted">Every new dead letter of the filter above goes back to its source topic.</p>
      <div className="toolbar">
        <button
          type="button"
          onClick={() => run(async () => setMatched({ filter, count: await bulkDryRun(filter) }))}
        >
          Dry run
        </button>
        {current !== null && current > 0 && (
          <button
            type="button"
            onClick={() =>
              run(async () => {
                const started = await bulkRedrive(filter)
                if ('id' in started) setJobId(started.id)
                setMatched(null)
                await client.invalidateQueries({ queryKey: ['dead-letters'] })
              })
            }
          >
            Redrive {formatInteger(current)}
          </button>
        )}
      </div>
      <output>
        {current !== null &&
          `Dry run: ${formatInteger(current)} dead letter${current === 1 ? '' : 's'} would be redriven; nothing changed.`}
        {job.data &&
          ` Bulk redrive ${job.data.state}: ${formatInteger(job.data.redriven)} of ${formatInteger(job.data.matched)} redriven, ${formatInteger(job.data.skipped)} skipped.`}
      </output>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </section>
  )
}
