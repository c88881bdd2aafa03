import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { isRetryable, StorageRejectedError, StorageUnavailableError } from '../../../src/errors.ts'
import { isStorageUnreachable, toStorageError } from '../../../src/storage/storage-errors.ts'

const withCode = (code: string, message = 'failed') => Object.assign(new Error(message), { code })

describe('storage errors', () => {
  it('recognises a database out of reach by socket code, SQLSTATE or pg message', () => {
    for (const error of [
      withCode('ECONNREFUSED'),
      withCode('57P01', 'terminating connection due to administrator command'),
      withCode('57P03', 'the database system is starting up'),
      withCode('08006', 'connection failure'),
      new Error('timeout exceeded when trying to connect'),
      new Error('Connection terminated unexpectedly'),
      new Error('Connection terminated due to connection timeout', { cause: withCode('ETIMEDOUT') }),
      new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')]),
    ]) {
      assert.equal(isStorageUnreachable(error), true, String(error))
    }
  })

  it('leaves other statement errors alone: they are the data’s or the caller’s, not an outage', () => {
    for (const error of [
      withCode('22P02', 'invalid input syntax'),
      withCode('23505', 'duplicate key'),
      withCode('080'),
      new Error('Query read timeout'),
      'a string',
      undefined,
    ]) {
      assert.equal(isStorageUnreachable(error), false, String(error))
      assert.equal(toStorageError(error), error)
    }
  })

  it('wraps an outage as a retryable 503 that keeps the cause and names no host', () => {
    const cause = withCode('ECONNREFUSED', 'connect ECONNREFUSED 10.0.0.7:5432')
    const translated = toStorageError(cause)
    assert.ok(translated instanceof StorageUnavailableError)
    assert.equal(translated.statusCode, 503)
    assert.equal(translated.retryable, true)
    assert.equal(translated.cause, cause)
    assert.doesNotMatch(translated.message, /10\.0\.0\.7/)
    assert.equal(toStorageError(translated), translated)
  })

  it('turns a refusal that lasts (no table, no permission, no database) into a final 500 without SQL', () => {
    for (const code of ['42P01', '42501', '28P01', '3D000']) {
      const cause = withCode(code, 'relation "measurements" does not exist at character 13')
      const translated = toStorageError(cause)
      assert.ok(translated instanceof StorageRejectedError, code)
      assert.equal(translated.statusCode, 500)
      assert.equal(isRetryable(translated), false)
      assert.equal(translated.cause, cause)
      assert.equal(
        translated.message,
        `The database refused the statement (SQLSTATE ${code}); check its schema and the user's permissions`,
      )
    }
  })
})
