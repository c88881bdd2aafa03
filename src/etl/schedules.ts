import { FlowlineError } from '../errors.ts'

export interface Schedule {
  readonly pipeline: string
  readonly cron: string
  /** An IANA time zone: explicit, since "midnight" means a different instant in each. */
  readonly timeZone: string
  readonly params: Record<string, string>
}

/**
 * Parses ETL_SCHEDULES: `pipeline|cron|time zone[|k=v&k=v]`, separated by `;`. The time zone is
 * required and checked against the runtime's list (Intl), so a typo fails at start.
 */
export function parseSchedules(text: string): Schedule[] {
  return text
    .split(';')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => {
      const [pipeline = '', cron = '', timeZone = '', query = ''] = entry
        .split('|')
        .map((part) => part.trim())
      if (!Intl.supportedValuesOf('timeZone').includes(timeZone) && timeZone !== 'UTC')
        throw new FlowlineError('INVALID_REQUEST', `ETL schedule "${entry}": unknown time zone "${timeZone}"`)
      if (cron.split(/\s+/).length < 5)
        throw new FlowlineError(
          'INVALID_REQUEST',
          `ETL schedule "${entry}": "${cron}" is not a cron expression`,
        )
      return { pipeline, cron, timeZone, params: Object.fromEntries(new URLSearchParams(query)) }
    })
}
