import { type Static, Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { Broker, PartitionOffsets } from '../../broker/broker.ts'
import { BrokerUnavailableError, FlowlineError } from '../../errors.ts'
import { ErrorBody } from '../../http/http-app.ts'
import { access } from '../../http/route-access.ts'

export interface ReceiptsRouteOptions {
  readonly broker: Broker
  /** The measurement saver's consumer group: it commits a record's offset after the row's DB commit. */
  readonly groupId: string
  /** The topic ingest's receipts name. */
  readonly topic: string
}

const OFFSET = '^\\d{1,19}$'

const ReceiptQuery = Type.Object({
  topic: Type.String({ minLength: 1, maxLength: 249, description: "a receipt's topic" }),
  partition: Type.Integer({ minimum: 0, maximum: 1_000_000, description: "a receipt's partition" }),
  offset: Type.String({
    pattern: OFFSET,
    description: "an offset of the receipt's range, as text; its to_offset answers for the whole range",
  }),
})
const ReceiptState = Type.Object({
  topic: Type.String(),
  partition: Type.Integer(),
  offset: Type.String(),
  state: Type.Union([Type.Literal('stored'), Type.Literal('pending')], {
    description:
      'stored: the saver group committed past the offset, which it does only after the database commit of the record (stored, or dead-lettered when invalid); pending: not yet',
  }),
  group: Type.String({ description: 'the consumer group whose position answers' }),
  committed_offset: Type.Union([Type.String(), Type.Null()], {
    description: "the group's next offset to read on the partition; null when it never committed there",
  }),
  log_end_offset: Type.String({ description: 'one past the last record the partition holds' }),
})

/**
 * GET /receipts: whether the records of an ingest receipt are stored, from the saver group's
 * committed offset on the partition (one offsets request to the broker per call). Every record
 * before the committed offset went through a database commit, so committed > offset means stored;
 * an offset the log does not hold yet is pending, never stored.
 */
export function registerReceiptsRoute(app: FastifyInstance, options: ReceiptsRouteOptions): void {
  app.get<{ Querystring: Static<typeof ReceiptQuery> }>(
    '/receipts',
    {
      config: access('viewer'),
      schema: {
        summary: "Whether an ingest receipt's records are stored: stored or pending",
        querystring: ReceiptQuery,
        response: { 200: ReceiptState, 400: ErrorBody, 404: ErrorBody, 503: ErrorBody },
      },
    },
    async (request) => {
      const { topic, partition } = request.query
      const offset = BigInt(request.query.offset)
      if (topic !== options.topic)
        throw new FlowlineError('NOT_FOUND', `no receipts for topic ${topic}: receipts name ${options.topic}`)
      const partitions = await groupOffsets(options)
      const position = partitions[partition]
      if (!position || position.partition !== partition)
        throw new FlowlineError(
          'NOT_FOUND',
          `topic ${topic} has no partition ${partition} (it has ${partitions.length})`,
        )
      const stored = position.committed !== undefined && position.committed > offset
      return {
        topic,
        partition,
        offset: String(offset),
        state: stored ? ('stored' as const) : ('pending' as const),
        group: options.groupId,
        committed_offset: position.committed === undefined ? null : String(position.committed),
        log_end_offset: String(position.end),
      }
    },
  )
}

async function groupOffsets(options: ReceiptsRouteOptions): Promise<PartitionOffsets[]> {
  try {
    return await options.broker.groupOffsets(options.groupId, options.topic)
  } catch (error) {
    if (error instanceof FlowlineError) throw error
    throw new BrokerUnavailableError("The broker did not answer the saver group's offsets", { cause: error })
  }
}
