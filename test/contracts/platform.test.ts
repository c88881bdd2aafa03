import { runPlatformAccountsContract } from './platform-contract.ts'
import { onEveryStorage } from './platform/storages.ts'

onEveryStorage(runPlatformAccountsContract)
