import { api, type Ok, unwrap } from '../../api/client'

export type Run = Ok<'/etl/runs'>['items'][number]
export type Pipeline = Ok<'/etl/pipelines'>['items'][number]

/** What the trigger form needs of a pipeline's parameter schema (a JSON schema object). */
export interface ParamField {
  readonly name: string
  readonly description: string
  readonly required: boolean
  readonly numeric: boolean
  /** The value the pipeline takes when the field is left empty. */
  readonly placeholder: string
}

export const FINISHED: readonly Run['status'][] = ['succeeded', 'failed', 'cancelled']

/** The runs list's query key: whatever adds a run or ends one marks it out of date. */
export const RUNS_KEY = ['etl-runs'] as const

export function paramFields(pipeline: Pipeline): ParamField[] {
  const schema = (pipeline.params ?? {}) as {
    properties?: Record<string, { type?: string; description?: string; default?: unknown }>
    required?: string[]
  }
  return Object.entries(schema.properties ?? {}).map(([name, property]) => ({
    name,
    description: property.description ?? '',
    // A parameter with a default may be left empty: the pipeline fills it in.
    required: (schema.required?.includes(name) ?? false) && property.default === undefined,
    numeric: property.type === 'number' || property.type === 'integer',
    placeholder: property.default === undefined ? '' : String(property.default),
  }))
}

export const listPipelines = () => unwrap(api.GET('/etl/pipelines'))
export const listRuns = () => unwrap(api.GET('/etl/runs', { params: { query: { limit: 50 } } }))
export const getRun = (id: string) => unwrap(api.GET('/etl/runs/{id}', { params: { path: { id } } }))
export const runLogs = (id: string) =>
  unwrap(api.GET('/etl/runs/{id}/logs', { params: { path: { id }, query: { after: 0 } } }))

export function triggerRun(pipeline: string, params: Record<string, string | number>) {
  return unwrap(api.POST('/etl/runs', { body: { pipeline, params } }))
}

export function retryRun(id: string) {
  return unwrap(api.POST('/etl/runs/{id}/retry', { params: { path: { id } } }))
}

/** "1,234 of 5,000 bytes (25 %)", or what is known of it. */
export function progressText(run: Run): string {
  const { done, total, unit } = run.progress
  const count = new Intl.NumberFormat('en')
  if (total === null || total === 0) return `${count.format(done)} ${unit}`
  return `${count.format(done)} of ${count.format(total)} ${unit} (${Math.round((done / total) * 100)} %)`
}
