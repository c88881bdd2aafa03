import { setTimeout as sleep } from 'node:timers/promises'
import { Admin } from '@platformatic/kafka'
import type { TopicSpec } from '../broker/broker.ts'
import { kafkaClientOptions } from '../broker/kafka/kafka-broker.ts'
import type { Config } from '../config/config.ts'
import { kafkaSecurity, topicsOf } from '../runtime/composition.ts'

export interface TopicState {
  readonly name: string
  readonly wanted?: { readonly partitions: number; readonly replicationFactor: number }
  readonly found?: { readonly partitions: number; readonly replicationFactor: number }
  readonly status: 'OK' | 'MISSING' | 'WRONG' | 'CREATED' | 'EXTRA'
  readonly problem?: string
}

async function openAdmin(config: Config): Promise<Admin> {
  const security = await kafkaSecurity(config)
  return new Admin({
    ...kafkaClientOptions({
      ...security,
      bootstrapBrokers: config.kafkaBrokers,
      clientId: 'flowline-topics',
      requestTimeoutMs: 5000,
    }),
    retries: 1,
  })
}

async function describe(admin: Admin, names: readonly string[]) {
  const listed = new Set(await admin.listTopics())
  const present = names.filter((name) => listed.has(name))
  const found = new Map<string, { partitions: number; replicationFactor: number }>()
  if (present.length === 0) return found
  const metadata = await admin.metadata({ topics: present, forceUpdate: true })
  for (const [name, topic] of metadata.topics)
    found.set(name, {
      partitions: topic.partitionsCount,
      replicationFactor: Math.min(...topic.partitions.map((partition) => partition.replicas.length)),
    })
  return found
}

/** Compares a topic with what the settings ask for: a wrong partition count or RF is reported, never accepted silently. */
function judge(
  wanted: TopicSpec,
  found: { partitions: number; replicationFactor: number } | undefined,
): TopicState {
  const base = {
    name: wanted.name,
    wanted: { partitions: wanted.partitions, replicationFactor: wanted.replicationFactor },
    found,
  }
  if (!found) return { ...base, status: 'MISSING', problem: 'run `flowline topics create`' }
  const problems = [
    found.partitions !== wanted.partitions
      ? `${found.partitions} partitions, configured ${wanted.partitions}`
      : '',
    found.replicationFactor !== wanted.replicationFactor
      ? `RF ${found.replicationFactor}, configured ${wanted.replicationFactor}`
      : '',
  ].filter(Boolean)
  return problems.length === 0
    ? { ...base, status: 'OK' }
    : { ...base, status: 'WRONG', problem: problems.join('; ') }
}

/**
 * `flowline topics describe|create|list`, the reference's `topics.sh`: every stream's topic and the
 * errors, windows and alerts topics with the configured partitions and replication factor.
 * `create` creates the missing ones and reports existing ones that differ (Kafka cannot lower a
 * partition count nor change RF in place: that takes a person).
 */
export async function runTopics(
  config: Config,
  action: 'describe' | 'create' | 'list',
): Promise<TopicState[]> {
  const admin = await openAdmin(config)
  try {
    const wanted = topicsOf(config)
    if (action === 'list') {
      const names = (await admin.listTopics()).filter((name) => !name.startsWith('__')).sort()
      const found = await describe(admin, names)
      const byName = new Map(wanted.map((topic) => [topic.name, topic]))
      return names.map((name) => {
        const spec = byName.get(name)
        return spec ? judge(spec, found.get(name)) : { name, found: found.get(name), status: 'EXTRA' }
      })
    }
    const before = await describe(
      admin,
      wanted.map((topic) => topic.name),
    )
    const created = new Set<string>()
    if (action === 'create')
      for (const topic of wanted.filter((spec) => !before.has(spec.name))) {
        await admin.createTopics({
          topics: [topic.name],
          partitions: topic.partitions,
          replicas: topic.replicationFactor,
        })
        created.add(topic.name)
      }
    let after = before
    // A new topic's metadata reaches every broker a moment after the create: wait for it, bounded.
    for (let attempt = 0; attempt < 40 && created.size > 0; attempt++) {
      after = await describe(
        admin,
        wanted.map((topic) => topic.name),
      )
      if ([...created].every((name) => after.has(name))) break
      await sleep(250)
    }
    return wanted.map((spec) => {
      const state = judge(spec, after.get(spec.name))
      return created.has(spec.name) && state.status === 'OK' ? { ...state, status: 'CREATED' } : state
    })
  } finally {
    await admin.close()
  }
}

export function formatTopics(states: readonly TopicState[]): string {
  const lines = states.map((state) => {
    const found = state.found
      ? `${state.found.partitions} partitions, RF ${state.found.replicationFactor}`
      : 'absent'
    return `${state.status.padEnd(8)} ${state.name.padEnd(32)} ${found}${state.problem ? `: ${state.problem}` : ''}`
  })
  return `${lines.join('\n')}\n`
}
