import { useQuery } from '@tanstack/react-query'
import { type FormEvent, useState } from 'react'
import { Link } from 'react-router'
import { useAuth } from '../../auth/auth-context'
import { formatDateTime } from '../../ui/format'
import { StatusBadge } from '../../ui/status-badge'
import { BulkRedrive } from './bulk-redrive'
import {
  type DeadLetterFilter,
  type DeadLetterStatus,
  EMPTY_FILTER,
  listDeadLetters,
} from './dead-letter-queries'

type StatusChoice = DeadLetterStatus | 'any'

/** Dead letters, newest first, filtered; operators redrive a whole filter after a dry run. */
export function DeadLettersPage() {
  const [draft, setDraft] = useState<DeadLetterFilter>(EMPTY_FILTER)
  const [filter, setFilter] = useState<DeadLetterFilter>(EMPTY_FILTER)
  const [status, setStatus] = useState<StatusChoice>('new')
  const [cursors, setCursors] = useState<string[]>([])
  const { can } = useAuth()
  const cursor = cursors.at(-1)
  const letters = useQuery({
    queryKey: ['dead-letters', filter, status, cursor],
    queryFn: () => listDeadLetters(filter, status, cursor),
  })
  const apply = (event: FormEvent) => {
    event.preventDefault()
    setFilter(draft)
    setCursors([])
  }
  const input = (name: keyof DeadLetterFilter, label: string) => (
    <label>
      {label}
      <input value={draft[name]} onChange={(event) => setDraft({ ...draft, [name]: event.target.value })} />
    </label>
  )
  return (
    <>
      <div className="page-head">
        <h1>Dead letters</h1>
        <p className="muted">Records the saver could not store, kept with the reason</p>
      </div>
      <form className="toolbar" onSubmit={apply} aria-label="Filter dead letters">
        {input('reason', 'Reason')}
        {input('field', 'Field')}
        {input('source_topic', 'Source topic')}
        <label>
          Status
          <select
            value={status}
            onChange={(event) => {
              setStatus(event.target.value as StatusChoice)
              setCursors([])
            }}
          >
            <option value="new">new</option>
            <option value="redriven">redriven</option>
            <option value="discarded">discarded</option>
            <option value="any">any</option>
          </select>
        </label>
        <button type="submit">Apply filters</button>
      </form>
      {can('operator') && <BulkRedrive filter={filter} />}
      {letters.error && (
        <p role="alert" className="error">
          {letters.error.message}
        </p>
      )}
      <table>
        <caption>Dead letters{status === 'any' ? '' : ` (${status})`}, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Id</th>
            <th scope="col">Status</th>
            <th scope="col">Sensor</th>
            <th scope="col">Reason</th>
            <th scope="col">Field</th>
            <th scope="col">Source</th>
            <th scope="col">Failed at</th>
          </tr>
        </thead>
        <tbody>
          {letters.data?.items.map((letter) => (
            <tr key={letter.id}>
              <td>
                <Link to={`/dead-letters/${letter.id}`} aria-label={`Inspect dead letter ${letter.id}`}>
                  {letter.id}
                </Link>
              </td>
              <td>
                <StatusBadge status={letter.status} />
              </td>
              <td>{letter.sensor_id ?? '–'}</td>
              <td>{letter.reason}</td>
              <td>{letter.field ?? '–'}</td>
              <td>
                {letter.source.topic}/{letter.source.partition}@{letter.source.offset}
              </td>
              <td>{formatDateTime(letter.failed_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {letters.data?.items.length === 0 && <p className="muted">No dead letter matches.</p>}
      <div className="pager">
        <button
          type="button"
          disabled={cursors.length === 0}
          onClick={() => setCursors(cursors.slice(0, -1))}
        >
          Newer
        </button>
        <button
          type="button"
          disabled={!letters.data?.next_cursor}
          onClick={() => letters.data?.next_cursor && setCursors([...cursors, letters.data.next_cursor])}
        >
          Older
        </button>
      </div>
    </>
  )
}
