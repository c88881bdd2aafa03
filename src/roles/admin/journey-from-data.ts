import type { Hop } from '../../observability/journey-from-traces.ts'
import type { JourneyDeadLetter, JourneyRow } from '../../storage/journey-repository.ts'

/**
 * The hops the database alone can tell, sampled or not: where the saver read the record
 * (`acknowledged`, at the record's log timestamp), the row's insertion (`stored`) and commit
 * (`committed`, when PostgreSQL keeps commit times), each dead letter with its source
 * coordinates and reason (`dead_lettered`) and its redrive (`redriven`).
 */
export function journeyFromData(
  row: JourneyRow | undefined,
  deadLetters: readonly JourneyDeadLetter[],
  measurementsTopic: string | undefined,
): Hop[] {
  const hops: Hop[] = []
  for (const letter of deadLetters) {
    hops.push({
      hop: 'dead_lettered',
      at: letter.failedAt.toISOString(),
      source: 'data',
      topic: letter.sourceTopic,
      partition: letter.sourcePartition,
      offset: letter.sourceOffset,
      reason: letter.reason,
      field: letter.field,
      dead_letter_id: letter.id,
    })
    if (letter.status === 'redriven' && letter.actedAt)
      hops.push({
        hop: 'redriven',
        at: letter.actedAt.toISOString(),
        source: 'data',
        dead_letter_id: letter.id,
        by: letter.actedBy,
        redrive_count: letter.redriveCount,
      })
  }
  if (!row) return hops
  if (row.logTime && row.logPartition !== null)
    hops.push({
      hop: 'acknowledged',
      at: row.logTime.toISOString(),
      source: 'data',
      ...(measurementsTopic !== undefined && { topic: measurementsTopic }),
      partition: row.logPartition,
      offset: row.logOffset,
    })
  // now() of the inserting transaction: when the row was written, whatever was sampled.
  hops.push({ hop: 'stored', at: row.storedAt.toISOString(), source: 'data', row_id: row.id })
  if (row.committedAt)
    hops.push({ hop: 'committed', at: row.committedAt.toISOString(), source: 'data', row_id: row.id })
  return hops
}
