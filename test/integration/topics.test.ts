import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { test } from 'node:test'
import { Admin } from '@platformatic/kafka'
import { KAFKA_BROKERS, requireKafka, uniqueName } from '../helpers/services.ts'

function flowline(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['src/main.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

test('flowline topics create makes every stream topic, describe reports a wrong partition count', async (t) => {
  await requireKafka()
  const names = {
    topic: uniqueName('temperatures'),
    'errors-topic': uniqueName('errors'),
    'windows-topic': uniqueName('windows'),
    'alerts-topic': uniqueName('alerts'),
    'products-topic': uniqueName('products'),
    'product-events-topic': uniqueName('product-events'),
    'stock-topic': uniqueName('stock'),
  }
  const args = Object.entries(names).flatMap(([flag, name]) => [`--${flag}`, name])
  const admin = new Admin({ clientId: uniqueName('topics'), bootstrapBrokers: KAFKA_BROKERS })
  t.after(async () => {
    await admin.deleteTopics({ topics: Object.values(names) }).catch(() => {})
    await admin.close()
  })
  const missing = await flowline(['topics', 'describe', ...args])
  assert.equal(missing.code, 1)
  assert.equal(missing.stdout.match(/^MISSING /gm)?.length, 7, missing.stdout)
  const created = await flowline(['topics', 'create', '--partitions', '3', ...args])
  assert.equal(created.code, 0, created.stdout + created.stderr)
  assert.equal(created.stdout.match(/^CREATED /gm)?.length, 7, created.stdout)
  assert.match(created.stdout, new RegExp(`${names['stock-topic']} +3 partitions, RF 1`))
  const same = await flowline(['topics', 'describe', '--partitions', '3', ...args])
  assert.equal(same.code, 0, same.stdout)
  const wrong = await flowline(['topics', 'describe', '--partitions', '5', ...args])
  assert.equal(wrong.code, 1)
  assert.match(
    wrong.stdout,
    new RegExp(`WRONG +${names['products-topic']} +3 partitions, RF 1: 3 partitions, configured 5`),
  )
  const rf = await flowline(['topics', 'describe', '--partitions', '3', '--replication-factor', '3', ...args])
  assert.match(rf.stdout, /RF 1, configured 3/)
})
