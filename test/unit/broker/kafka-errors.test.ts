import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  AuthenticationError,
  MultipleErrors,
  NetworkError,
  ProtocolError,
  UserError,
} from '@platformatic/kafka'
import { isBrokerOutage } from '../../../src/broker/kafka/kafka-errors.ts'

/** The errors are the client library's own classes, nested the way its retries report them. */
describe('isBrokerOutage: which consumer failures a member rides out by rejoining', () => {
  const refused = () =>
    new NetworkError('Connection to 127.0.0.1:9092 failed.', {
      cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9092'), { code: 'ECONNREFUSED' }),
    })

  it('a refused connection after the client gave up retrying is an outage', () => {
    assert.equal(
      isBrokerOutage(new MultipleErrors('metadata failed 31 times.', [refused(), refused()])),
      true,
    )
    assert.equal(isBrokerOutage(refused()), true)
  })

  it('a coordinator that moved or is loading (retryable protocol errors) is an outage', () => {
    assert.equal(
      isBrokerOutage(new MultipleErrors('joinGroup failed.', [new ProtocolError('NOT_COORDINATOR')])),
      true,
    )
    assert.equal(isBrokerOutage(new ProtocolError('COORDINATOR_LOAD_IN_PROGRESS')), true)
  })

  it('refused credentials and failed TLS are not: only a person fixes them', () => {
    const sasl = new AuthenticationError('SASL authentication failed.')
    assert.equal(isBrokerOutage(new MultipleErrors('metadata failed 31 times.', [refused(), sasl])), false)
    const tls = new NetworkError('Connection failed.', {
      cause: Object.assign(new Error('self-signed certificate in certificate chain'), {
        code: 'SELF_SIGNED_CERT_IN_CHAIN',
      }),
    })
    assert.equal(isBrokerOutage(tls), false)
  })

  it('a final protocol error, a usage error or a plain bug is not', () => {
    assert.equal(isBrokerOutage(new ProtocolError('GROUP_AUTHORIZATION_FAILED')), false)
    assert.equal(isBrokerOutage(new UserError('Cannot leave group while consuming messages.')), false)
    assert.equal(isBrokerOutage(new TypeError('x is undefined')), false)
    assert.equal(isBrokerOutage(undefined), false)
  })
})
