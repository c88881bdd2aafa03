import { runEtlPipelinesContract } from './etl-pipelines-contract.ts'
import { etlSetups } from './etl-setups.ts'

for (const [name, open] of etlSetups()) runEtlPipelinesContract(name, open)
