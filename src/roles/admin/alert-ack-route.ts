import { type Static, Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { actorOf } from '../../auth/audit-log.ts'
import { FlowlineError } from '../../errors.ts'
import { ErrorBody } from '../../http/http-app.ts'
import { access } from '../../http/route-access.ts'
import type { AlertAcknowledgements } from '../../storage/alert-acknowledgements.ts'
import { StoredAlert } from './window-routes.ts'

const IdParams = Type.Object({
  id: Type.String({ pattern: '^[1-9][0-9]{0,17}$', description: 'id of the opening (GET /alerts)' }),
})

/** POST /alerts/{id}/acknowledge: an operator says "seen, on it"; audit-logged. */
export function registerAlertAckRoute(
  app: FastifyInstance,
  acknowledgements: AlertAcknowledgements,
  query: <T>(operation: string, run: () => Promise<T>) => Promise<T>,
): void {
  app.post<{ Params: Static<typeof IdParams> }>(
    '/alerts/:id/acknowledge',
    {
      config: access('operator'),
      schema: {
        summary: 'Acknowledge an open alert: records who and when (again: the first acknowledgement is kept)',
        params: IdParams,
        response: { 200: StoredAlert, 400: ErrorBody, 404: ErrorBody, 503: ErrorBody },
      },
    },
    async (request) => {
      const { id } = request.params
      const result = await query('alert_acknowledge', () =>
        acknowledgements.acknowledge(id, actorOf(request.principal)),
      )
      if (result.outcome === 'not-found') throw new FlowlineError('NOT_FOUND', `no open alert with id ${id}`)
      return result.alert
    },
  )
}
