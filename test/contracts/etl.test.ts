import { runEtlContract } from './etl-contract.ts'
import { etlSetups } from './etl-setups.ts'

for (const [name, open] of etlSetups()) runEtlContract(name, open)
