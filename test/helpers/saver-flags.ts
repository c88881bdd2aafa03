import { uniqueName } from '../../harness/index.ts'

/** Flags of a saver process on its own topic, errors topic, group and database; `extra` adds or overrides. */
export function saverFlags(
  brokers: readonly string[],
  databaseUrl: string,
  topic: string,
  extra: Record<string, string | number | boolean> = {},
) {
  return {
    kafka: brokers.join(','),
    topic,
    'errors-topic': uniqueName('errors'),
    'database-url': databaseUrl,
    group: uniqueName('saver'),
    'batch-wait': 20,
    ...extra,
  }
}
