import { randomBytes } from 'node:crypto'
import type { DeviceScope, Principal } from '../auth/access.ts'
import { CachedLoader } from '../auth/cached-loader.ts'
import { FlowlineError } from '../errors.ts'
import { toStorageError } from '../storage/storage-errors.ts'
import type { RegistryRepository, SensorAdmission } from './registry-repository.ts'

export type UnknownSensorPolicy = 'accept' | 'register' | 'reject'

export interface SensorGateOptions {
  readonly registry: RegistryRepository
  readonly policy: UnknownSensorPolicy
  /** How long a sensor's status is trusted; a decommissioning takes effect within it. */
  readonly cacheTtlMs: number
}

/** Sensors named in an answer; the count says how many there were. */
const MAX_NAMED = 20
/** While PostgreSQL is unreachable, sensors read in the last 5 minutes are still admitted. */
const STALE_ON_ERROR_MS = 5 * 60_000

const named = (ids: readonly string[]) =>
  `${ids.slice(0, MAX_NAMED).join(', ')}${ids.length > MAX_NAMED ? ` and ${ids.length - MAX_NAMED} more` : ''}`

/**
 * What ingest checks about the sensors of a request before anything is sent, in this order: the
 * device token's scope (403), decommissioned sensors (422), then sensors missing from the
 * registry, by `--unknown-sensors` (accept, register an `auto` entry, or 422). The whole request
 * is refused or sent: a refused request sends nothing. Statuses come from a cache with a bounded
 * TTL, read in batches, so a request of known sensors costs a map lookup per sensor. Past half the
 * TTL, the entries in use are renewed by one check of the registry's version (a fingerprint of every
 * sensor's status and tags) instead of being read again; after a change they are read again.
 */
export class SensorGate {
  readonly #options: SensorGateOptions
  readonly #admissions: CachedLoader<SensorAdmission>
  /** Unknown sensors of concurrent requests, registered in one statement. */
  readonly #toRegister = new Set<string>()
  #registration: Promise<void> | undefined

  constructor(options: SensorGateOptions) {
    this.#options = options
    // Per gate, unknown outside this process: see RegistryRepository.admissionsVersion.
    const seed = randomBytes(8).readBigInt64BE().toString()
    this.#admissions = new CachedLoader({
      read: (ids) => options.registry.admissions(ids),
      versioned: {
        read: (ids) => options.registry.versionedAdmissions(ids, seed),
        version: () => options.registry.admissionsVersion(seed),
      },
      ttlMs: options.cacheTtlMs,
      staleOnErrorMs: STALE_ON_ERROR_MS,
    })
  }

  /**
   * Resolves when the request may be sent (undefined when that is known at once, the common case:
   * every sensor cached, active or inactive, registered when the policy asks, and in scope).
   */
  admit(principal: Principal | undefined, sensorIds: ReadonlySet<string>): Promise<void> | undefined {
    const scope = principal?.kind === 'device' ? principal.scope : undefined
    if (this.#admittedAtOnce(scope, sensorIds)) return undefined
    return this.#admit(scope, sensorIds).catch((error: unknown) => {
      throw error instanceof FlowlineError ? error : toStorageError(error)
    })
  }

  /**
   * The cheap path, one pass and nothing allocated: true when every sensor is cached and passes
   * every check; false as soon as one is not cached or fails one (`#admit` then says why).
   */
  #admittedAtOnce(scope: DeviceScope | undefined, sensorIds: ReadonlySet<string>): boolean {
    const inScope = scope?.sensorIds
    const tag = scope?.tag
    const unknownAdmitted = this.#options.policy === 'accept'
    const now = Date.now()
    for (const id of sensorIds) {
      if (inScope !== undefined && !inScope.has(id)) return false
      const admission = this.#admissions.load(id, now)
      if (admission === undefined) {
        if (unknownAdmitted && tag === undefined) continue
        return false
      }
      if (admission instanceof Promise || admission.status === 'decommissioned') return false
      if (tag !== undefined && !admission.tags.includes(tag)) return false
    }
    return true
  }

  async #admit(scope: DeviceScope | undefined, sensorIds: ReadonlySet<string>): Promise<void> {
    if (scope?.sensorIds) {
      const outside = [...sensorIds].filter((id) => !scope.sensorIds?.has(id))
      if (outside.length > 0) throw outOfScope(outside)
    }
    const admissions = new Map<string, SensorAdmission | undefined>()
    const pending: Promise<void>[] = []
    const now = Date.now()
    for (const id of sensorIds) {
      const loaded = this.#admissions.load(id, now)
      if (loaded instanceof Promise) pending.push(loaded.then((value) => void admissions.set(id, value)))
      else admissions.set(id, loaded)
    }
    if (pending.length > 0) await Promise.all(pending)
    if (scope?.tag !== undefined) {
      const tag = scope.tag
      const outside = [...sensorIds].filter((id) => !admissions.get(id)?.tags.includes(tag))
      if (outside.length > 0) throw outOfScope(outside)
    }
    const decommissioned = [...sensorIds].filter((id) => admissions.get(id)?.status === 'decommissioned')
    if (decommissioned.length > 0)
      throw new FlowlineError(
        'SENSOR_DECOMMISSIONED',
        `Decommissioned sensors may not send: ${named(decommissioned)}; nothing of the request was accepted`,
      )
    const unknown = [...sensorIds].filter((id) => admissions.get(id) === undefined)
    if (unknown.length === 0 || this.#options.policy === 'accept') return
    if (this.#options.policy === 'reject')
      throw new FlowlineError(
        'UNKNOWN_SENSOR',
        `Sensors not in the registry: ${named(unknown)}; register them first (POST /sensors/{id}); nothing of the request was accepted`,
      )
    await this.#register(unknown)
    for (const id of unknown) this.#admissions.set(id, { status: 'active', tags: [] })
  }

  /** Registers `ids` with those of the other requests of this tick, in one INSERT. */
  #register(ids: readonly string[]): Promise<void> {
    for (const id of ids) this.#toRegister.add(id)
    this.#registration ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      const batch = [...this.#toRegister]
      this.#toRegister.clear()
      this.#registration = undefined
      return this.#options.registry.registerAuto(batch)
    })
    return this.#registration
  }
}

function outOfScope(ids: readonly string[]): FlowlineError {
  return new FlowlineError(
    'OUT_OF_SCOPE',
    `This device token may not send for: ${named(ids)}; nothing of the request was accepted`,
  )
}
