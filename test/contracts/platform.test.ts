import { onEveryStorage } from './platform/storages.ts'
import { runPlatformAccountsContract } from './platform-contract.ts'

onEveryStorage(runPlatformAccountsContract)
