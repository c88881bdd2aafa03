import { embeddedPair, kafkaPostgresPair } from '../helpers/adapter-pair.ts'
import { adapterPairs } from './adapters.ts'
import { runInventoryHttpContract } from './inventory-http-contract.ts'

if (adapterPairs.real) runInventoryHttpContract('Kafka + PostgreSQL', (t) => kafkaPostgresPair(t, 'inv-http'))

if (adapterPairs.embedded)
  runInventoryHttpContract('embedded log + PGlite', (t) => embeddedPair(t, 'inv-http'))
