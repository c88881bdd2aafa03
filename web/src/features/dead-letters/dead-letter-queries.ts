import { api, type Ok, unwrap } from '../../api/client'

export type DeadLetter = Ok<'/dead-letters'>['items'][number]
export type DeadLetterStatus = DeadLetter['status']

/** The filters the page and the bulk redrive share; empty strings are "any". */
export interface DeadLetterFilter {
  readonly reason: string
  readonly field: string
  readonly source_topic: string
}

export const EMPTY_FILTER: DeadLetterFilter = { reason: '', field: '', source_topic: '' }

/** The filter without its empty fields, as the API takes it. */
export function filterParams(filter: DeadLetterFilter) {
  return Object.fromEntries(Object.entries(filter).filter(([, value]) => value.trim() !== '')) as Partial<
    Record<keyof DeadLetterFilter, string>
  >
}

export function listDeadLetters(filter: DeadLetterFilter, status: DeadLetterStatus | 'any', cursor?: string) {
  return unwrap(
    api.GET('/dead-letters', {
      params: {
        query: {
          ...filterParams(filter),
          ...(status === 'any' ? {} : { status }),
          limit: 50,
          ...(cursor ? { cursor } : {}),
        },
      },
    }),
  )
}

export function getDeadLetter(id: string) {
  return unwrap(api.GET('/dead-letters/{id}', { params: { path: { id } } }))
}

/** Sends a letter back: the corrected text when given, else its original bytes. */
export function redriveDeadLetter(id: string, payload: string | undefined, force: boolean) {
  return unwrap(
    api.POST('/dead-letters/{id}/redrive', {
      params: { path: { id } },
      body: { ...(payload === undefined ? {} : { payload }), ...(force ? { force } : {}) },
    }),
  )
}

export function discardDeadLetter(id: string) {
  return unwrap(api.POST('/dead-letters/{id}/discard', { params: { path: { id } } }))
}

export async function bulkDryRun(filter: DeadLetterFilter): Promise<number> {
  const answer = await unwrap(
    api.POST('/dead-letters/redrive', { body: { filter: filterParams(filter), dry_run: true } }),
  )
  return 'matched' in answer ? answer.matched : 0
}

export function bulkRedrive(filter: DeadLetterFilter) {
  return unwrap(api.POST('/dead-letters/redrive', { body: { filter: filterParams(filter) } }))
}

export function redriveJob(id: string) {
  return unwrap(api.GET('/dead-letters/redrives/{id}', { params: { path: { id } } }))
}
