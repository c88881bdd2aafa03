import { embeddedPair, kafkaPostgresPair } from '../helpers/adapter-pair.ts'
import { adapterPairs } from './adapters.ts'
import { runStreamsContract } from './streams-contract.ts'

if (adapterPairs.real)
  runStreamsContract('Kafka + PostgreSQL', async (t) => ({
    ...(await kafkaPostgresPair(t, 'streams')),
    partitions: 3,
  }))

if (adapterPairs.embedded)
  runStreamsContract('embedded log + PGlite', async (t) => ({
    ...(await embeddedPair(t, 'streams')),
    partitions: 3,
  }))
