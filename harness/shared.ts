import { kafkaBootstrap, layoutFromEnv, postgresUrl } from './layout.ts'

const layout = layoutFromEnv()

/**
 * The services that the tests and the benches run outside `npm run bench` use: those KAFKA_BROKERS
 * and DATABASE_URL name, else the shared ones of `npm run services:up` (its FLOWLINE_* ports, by
 * default Kafka on 9092 and PostgreSQL on 5433).
 */
export const SHARED_KAFKA_BROKERS: readonly string[] = (
  process.env.KAFKA_BROKERS ?? kafkaBootstrap(layout)
).split(',')
export const SHARED_DATABASE_URL = process.env.DATABASE_URL ?? postgresUrl(layout)
