/** A journey as the admin API answers it. */
export interface JourneyAnswer {
  readonly sensor_id: string
  readonly timestamp: string
  readonly sampled: boolean
  readonly note?: string
  readonly hops: ReadonlyArray<{
    readonly hop: string
    readonly at: string
    readonly [detail: string]: unknown
  }>
}

/** What a hop adds to its line, in words: where the record sat, who read it, how long it took. */
function detailOf(hop: JourneyAnswer['hops'][number]): string {
  switch (hop.hop) {
    case 'received':
      return `by ${hop.service}, request ${hop.request_id}`
    case 'acknowledged':
      return hop.source === 'data'
        ? `${hop.topic ?? 'log'} partition ${hop.partition} offset ${hop.offset} (record time)`
        : `${hop.topic} partition ${hop.partition} offset ${hop.offset}, ${hop.latency_ms} ms after receipt`
    case 'consumed':
      return `by ${hop.group} (${hop.member}), batch of ${hop.batch_size} at partition ${hop.partition} offset ${hop.offset}`
    case 'written':
      return `${hop.statement} (${hop.group})`
    case 'stored':
      return `row ${hop.row_id} (transaction start)`
    case 'committed':
      return hop.source === 'data'
        ? `row ${hop.row_id} (transaction commit)`
        : `offsets committed (${hop.group})`
    case 'dead_lettered':
      return hop.source === 'data'
        ? `from ${hop.topic} partition ${hop.partition} offset ${hop.offset}: ${hop.reason} (dead letter ${hop.dead_letter_id})`
        : `to ${hop.topic} (${hop.group})`
    case 'redriven':
      return hop.source === 'data'
        ? `dead letter ${hop.dead_letter_id} by ${hop.by}`
        : `dead letter ${hop.dead_letter_id} to ${hop.topic} partition ${hop.partition} offset ${hop.offset}`
    default:
      return ''
  }
}

/** The journey as lines for a terminal: one hop a line, oldest first, then the trace ids. */
export function formatJourney(journey: JourneyAnswer): string {
  const traceIds = [...new Set(journey.hops.map((hop) => hop.trace_id).filter((id) => id !== undefined))]
  const lines = [
    `${journey.sensor_id} at ${journey.timestamp}: ${journey.sampled ? 'sampled' : 'not sampled'}`,
    ...journey.hops.map((hop) => `  ${hop.at}  ${hop.hop.padEnd(13)} ${detailOf(hop)}`),
  ]
  if (traceIds.length > 0) lines.push(`  traces: ${traceIds.join(', ')}`)
  if (journey.note) lines.push(`  ${journey.note}`)
  return `${lines.join('\n')}\n`
}
