import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { type FormEvent, useEffect, useState } from 'react'
import { ApiError, api, unwrap } from '../../api/client'
import { useAuth } from '../../auth/auth-context'
import { formatTemperature } from '../../ui/format'

interface Draft {
  readonly min: string
  readonly max: string
  readonly consecutive: string
}

const toNumber = (text: string) => (text.trim() === '' ? null : Number(text))

/**
 * The sensor's alert thresholds (its rule in the registry; none: the global default). Operators
 * change them in place; the write is conditional on the version shown (If-Match), so two people
 * editing at once do not overwrite each other silently.
 */
export function ThresholdsPanel({ sensorId }: { readonly sensorId: string }) {
  const { can } = useAuth()
  const client = useQueryClient()
  const sensor = useQuery({
    queryKey: ['sensor', sensorId],
    queryFn: () => unwrap(api.GET('/sensors/{id}', { params: { path: { id: sensorId } } })),
  })
  const [draft, setDraft] = useState<Draft>({ min: '', max: '', consecutive: '' })
  const [editing, setEditing] = useState(false)
  const thresholds = sensor.data?.thresholds ?? null
  useEffect(() => {
    setDraft({
      min: thresholds?.min_temperature?.toString() ?? '',
      max: thresholds?.max_temperature?.toString() ?? '',
      consecutive: thresholds?.consecutive?.toString() ?? '',
    })
  }, [thresholds])
  const save = useMutation({
    mutationFn: () =>
      unwrap(
        api.PATCH('/sensors/{id}', {
          params: { path: { id: sensorId }, header: { 'if-match': `"${sensor.data?.version ?? 0}"` } },
          body: {
            thresholds: {
              ...thresholds,
              min_temperature: toNumber(draft.min),
              max_temperature: toNumber(draft.max),
              consecutive: toNumber(draft.consecutive) ?? 1,
            },
          },
        }),
      ),
    onSuccess: (updated) => {
      client.setQueryData(['sensor', sensorId], updated)
      setEditing(false)
    },
    onError: (error) => {
      if (error instanceof ApiError && error.status === 412)
        void client.invalidateQueries({ queryKey: ['sensor', sensorId] })
    },
  })
  const submit = (event: FormEvent) => {
    event.preventDefault()
    save.mutate()
  }
  const shown = (value: number | null | undefined) => (value == null ? 'none' : formatTemperature(value))
  return (
    <section className="card" aria-labelledby="thresholds">
      <h2 id="thresholds">Alert thresholds</h2>
      {sensor.error && <p className="muted">Not in the registry: the global default rule applies.</p>}
      {sensor.data && !editing && (
        <p>
          {thresholds === null
            ? 'Global default rule.'
            : `Below ${shown(thresholds.min_temperature)} or above ${shown(thresholds.max_temperature)}, ${thresholds.consecutive ?? 1} reading(s) in a row.`}{' '}
          {can('operator') && (
            <button type="button" onClick={() => setEditing(true)}>
              Edit thresholds
            </button>
          )}
        </p>
      )}
      {editing && (
        <form className="toolbar" onSubmit={submit}>
          <label>
            Minimum °C
            <input
              inputMode="decimal"
              value={draft.min}
              onChange={(e) => setDraft({ ...draft, min: e.target.value })}
            />
          </label>
          <label>
            Maximum °C
            <input
              inputMode="decimal"
              value={draft.max}
              onChange={(e) => setDraft({ ...draft, max: e.target.value })}
            />
          </label>
          <label>
            Readings in a row
            <input
              inputMode="numeric"
              value={draft.consecutive}
              onChange={(e) => setDraft({ ...draft, consecutive: e.target.value })}
            />
          </label>
          <button type="submit" disabled={save.isPending}>
            Save thresholds
          </button>
          <button type="button" className="link" onClick={() => setEditing(false)}>
            Cancel
          </button>
        </form>
      )}
      {save.error && (
        <p role="alert" className="error">
          {save.error instanceof ApiError && save.error.status === 412
            ? 'Someone changed this sensor meanwhile: its current thresholds are shown again, try once more.'
            : save.error.message}
        </p>
      )}
    </section>
  )
}
