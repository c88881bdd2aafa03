import { describe, it } from 'node:test'
import { lastAdmin, loginAndSessions, sharedLoginLimits } from './platform/auth-cases.ts'
import { deviceTokens, streamScopes, unknownSensorPolicies } from './platform/ingest-cases.ts'
import type { FreshStorage } from './platform/platform-fixtures.ts'
import { admissionsVersion, registryCrud } from './platform/registry-cases.ts'
import { everyRouteEveryRole } from './platform/route-roles-cases.ts'

/**
 * The platform layer, run against every storage adapter, in two parts (two test files, so the
 * inner loop can run them side by side). Accounts: logins, sessions, the last admin and which
 * role may call which route (test/contracts/platform.test.ts).
 */
export function runPlatformAccountsContract(name: string, freshStorage: FreshStorage) {
  describe(`platform contract, accounts: ${name}`, () => {
    it('logs in, refuses wrong passwords, locks out with 429, refuses expired, tampered and alg none tokens, logs out', (t) =>
      loginAndSessions(t, freshStorage))
    it('shares login limits across admin replicas through the database (two apps, one database)', (t) =>
      sharedLoginLimits(t, freshStorage))
    it('refuses to delete, demote or disable the last enabled admin (409 LAST_ADMIN)', (t) =>
      lastAdmin(t, freshStorage))
    it('lets each role call exactly the routes the role table allows (every route × role)', (t) =>
      everyRouteEveryRole(t, freshStorage))
  })
}

/**
 * Admission: the sensor registry and what ingest lets in, by device token, stream scope and
 * registry policy (test/contracts/platform-admission.test.ts). Ingest writes to the embedded log.
 */
export function runPlatformAdmissionContract(name: string, freshStorage: FreshStorage) {
  describe(`platform contract, admission: ${name}`, () => {
    it('keeps the registry: CRUD, ETag/If-Match/412, refused fields, filters, keyset paging, thresholds', (t) =>
      registryCrud(t, freshStorage))
    it("versions the registry's admissions: registrations, deletions, status and tag changes by anyone", (t) =>
      admissionsVersion(t, freshStorage))
    it('admits device tokens by scope (403, nothing sent), expiry, revocation within the TTL, rotation overlap', (t) =>
      deviceTokens(t, freshStorage))
    it('admits device tokens by stream scope: a sensor token gets 403 at /stock-movements and nothing is sent', (t) =>
      streamScopes(t, freshStorage))
    it('applies --unknown-sensors accept, register and reject, and refuses decommissioned sensors (422)', (t) =>
      unknownSensorPolicies(t, freshStorage))
  })
}
