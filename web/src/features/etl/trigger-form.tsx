import { useQuery, useQueryClient } from '@tanstack/react-query'
import { type FormEvent, useState } from 'react'
import { useNavigate } from 'react-router'
import { listPipelines, paramFields, RUNS_KEY, triggerRun } from './etl-queries'

/** Pick a pipeline, fill its parameters (from its own schema), queue a run and follow it. */
export function TriggerForm() {
  const pipelines = useQuery({ queryKey: ['etl-pipelines'], queryFn: listPipelines })
  const [name, setName] = useState('')
  const [values, setValues] = useState<Record<string, string>>({})
  const [error, setError] = useState<string | null>(null)
  const navigate = useNavigate()
  const client = useQueryClient()
  const pipeline = pipelines.data?.items.find((item) => item.name === name) ?? pipelines.data?.items[0]
  const fields = pipeline ? paramFields(pipeline) : []
  const submit = async (event: FormEvent) => {
    event.preventDefault()
    if (!pipeline) return
    setError(null)
    const params: Record<string, string | number> = {}
    for (const field of fields) {
      const value = values[field.name]?.trim() ?? ''
      if (value !== '') params[field.name] = field.numeric ? Number(value) : value
    }
    try {
      const run = await triggerRun(pipeline.name, params)
      // The cached list was read before this run existed.
      void client.invalidateQueries({ queryKey: RUNS_KEY })
      navigate(`/etl/${run.id}`)
    } catch (failure) {
      setError((failure as Error).message)
    }
  }
  return (
    <form className="card stack" onSubmit={submit} aria-labelledby="trigger-run">
      <h2 id="trigger-run">Trigger a run</h2>
      <label>
        Pipeline
        <select
          value={pipeline?.name ?? ''}
          onChange={(event) => {
            setName(event.target.value)
            setValues({})
          }}
        >
          {pipelines.data?.items.map((item) => (
            <option key={item.name} value={item.name}>
              {item.name}
            </option>
          ))}
        </select>
      </label>
      {pipeline && <p className="muted">{pipeline.description}</p>}
      {fields.map((field) => (
        <label key={`${pipeline?.name}-${field.name}`}>
          {field.name}
          {field.required ? ' (required)' : ''}
          <input
            value={values[field.name] ?? ''}
            required={field.required}
            inputMode={field.numeric ? 'decimal' : undefined}
            title={field.description}
            placeholder={field.placeholder}
            onChange={(event) => setValues({ ...values, [field.name]: event.target.value })}
          />
        </label>
      ))}
      <button type="submit" disabled={!pipeline}>
        Run pipeline
      </button>
      {(error ?? pipelines.error) && (
        <p role="alert" className="error">
          {error ?? pipelines.error?.message}
        </p>
      )}
    </form>
  )
}
