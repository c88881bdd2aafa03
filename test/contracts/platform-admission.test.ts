import { onEveryStorage } from './platform/storages.ts'
import { runPlatformAdmissionContract } from './platform-contract.ts'

onEveryStorage(runPlatformAdmissionContract)
