import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { Link, useParams } from 'react-router'
import { useAuth } from '../../auth/auth-context'
import { formatDateTime } from '../../ui/format'
import { StatusBadge } from '../../ui/status-badge'
import { type DeadLetter, discardDeadLetter, getDeadLetter, redriveDeadLetter } from './dead-letter-queries'

/** One dead letter: why it failed, its payload; operators correct and redrive it, or discard it. */
export default function DeadLetterPage() {
  const id = useParams().id ?? ''
  const { can } = useAuth()
  const client = useQueryClient()
  const letter = useQuery({ queryKey: ['dead-letter', id], queryFn: () => getDeadLetter(id) })
  // The server keeps the corrected payload the last redrive sent: the box starts from it (the
  // original is shown apart), so a reload shows what was sent. The operator's text is tagged with
  // the letter's id: the page stays mounted when it moves to another letter.
  const [edited, setEdited] = useState<{ id: string; text: string }>()
  const redriven = letter.data?.redriven_payload ?? null
  const payload = (edited?.id === id ? edited.text : undefined) ?? redriven ?? letter.data?.payload ?? ''
  const [done, setDone] = useState<string | null>(null)
  const settle = (verb: string) => (result: DeadLetter) => {
    setDone(`Dead letter ${result.id} ${verb} by ${result.acted_by ?? 'you'}.`)
    void client.invalidateQueries({ queryKey: ['dead-letter', id] })
    void client.invalidateQueries({ queryKey: ['dead-letters'] })
  }
  const redrive = useMutation({
    mutationFn: () => {
      const data = letter.data
      const corrected = data && payload !== data.payload ? payload : undefined
      return redriveDeadLetter(id, corrected, data?.status !== 'new')
    },
    onSuccess: settle('redriven'),
  })
  const discard = useMutation({ mutationFn: () => discardDeadLetter(id), onSuccess: settle('discarded') })
  const data = letter.data
  const failure = redrive.error ?? discard.error ?? letter.error
  const editable = can('operator') && data?.payload_encoding === 'utf8'
  return (
    <>
      <p>
        <Link to="/dead-letters">← Dead letters</Link>
      </p>
      <div className="page-head">
        <h1>Dead letter {id}</h1>
        {data && <StatusBadge status={data.status} />}
      </div>
      {data && (
        <dl className="facts">
          <dt>Reason</dt>
          <dd>{data.reason}</dd>
          <dt>Field</dt>
          <dd>{data.field ?? '–'}</dd>
          <dt>Sensor</dt>
          <dd>{data.sensor_id ?? '–'}</dd>
          <dt>Source</dt>
          <dd>
            {data.source.topic}, partition {data.source.partition}, offset {data.source.offset}
          </dd>
          <dt>Failed at</dt>
          <dd>{formatDateTime(data.failed_at)}</dd>
          <dt>Redriven</dt>
          <dd>
            {data.redrive_count} time{data.redrive_count === 1 ? '' : 's'}
            {data.acted_by && `, last action by ${data.acted_by}`}
          </dd>
        </dl>
      )}
      {data && (
        <div className="stack">
          <label htmlFor="payload">
            {redriven === null ? 'Payload' : 'Corrected payload, as redriven'} (
            {/* A correction is sent as text, even for a letter whose original is base64. */}
            {redriven !== null || data.payload_encoding === 'utf8' ? 'text' : 'base64'}
            {editable ? ', edit to correct it before the redrive' : ''})
          </label>
          <textarea
            id="payload"
            className="payload"
            rows={8}
            value={payload}
            readOnly={!editable}
            onChange={(event) => setEdited({ id, text: event.target.value })}
          />
          {redriven !== null && (
            <>
              <label htmlFor="original-payload">Original payload (as it was dead-lettered)</label>
              <textarea id="original-payload" className="payload" rows={8} value={data.payload} readOnly />
            </>
          )}
        </div>
      )}
      {data && can('operator') && (
        <div className="toolbar">
          <button type="button" disabled={redrive.isPending} onClick={() => redrive.mutate()}>
            {payload !== data.payload ? 'Redrive corrected' : 'Redrive'}
          </button>
          <button
            type="button"
            disabled={discard.isPending || data.status !== 'new'}
            onClick={() => discard.mutate()}
          >
            Discard
          </button>
        </div>
      )}
      <output className="news">{done}</output>
      {failure && (
        <p role="alert" className="error">
          {failure.message}
        </p>
      )}
    </>
  )
}
