import type { GroupOffsets } from './group-offsets.ts'
import { partitionKey } from './group-offsets.ts'

/** What the coordinator needs from a member: its topics and a way to tell it the assignment changed. */
export interface GroupMember {
  readonly topics: readonly string[]
  assignmentChanged(): void
}

/**
 * The in-process stand-in for Kafka's group coordinator. Partitions are dealt round-robin among
 * the live members that subscribe to their topic, and dealt again when a member joins or leaves.
 * Ownership moves in two steps: a member gives up a partition only when it holds no undelivered
 * or unfinished batch of it, and the new owner takes it only once it is free. So a partition is
 * read by at most one member at a time, and the new owner starts from the committed offset.
 */
export class GroupCoordinator {
  readonly offsets: GroupOffsets
  readonly #partitionsOf: (topic: string) => number
  readonly #members: GroupMember[] = []
  #assignment = new Map<GroupMember, Set<string>>()
  readonly #owners = new Map<string, GroupMember>()
  #notifying = false
  #notifyAgain = false

  constructor(offsets: GroupOffsets, partitionsOf: (topic: string) => number) {
    this.offsets = offsets
    this.#partitionsOf = partitionsOf
  }

  join(member: GroupMember): void {
    this.#members.push(member)
    this.#rebalance()
  }

  leave(member: GroupMember): void {
    const index = this.#members.indexOf(member)
    if (index >= 0) this.#members.splice(index, 1)
    for (const [key, owner] of this.#owners) if (owner === member) this.#owners.delete(key)
    this.#rebalance()
  }

  /** The partitions ("topic/partition") the member should own under the current assignment. */
  targetOf(member: GroupMember): ReadonlySet<string> {
    return this.#assignment.get(member) ?? new Set()
  }

  /** Takes a partition if no other member holds it; true when the member now owns it. */
  tryAcquire(member: GroupMember, key: string): boolean {
    const owner = this.#owners.get(key)
    if (owner !== undefined && owner !== member) return false
    this.#owners.set(key, member)
    return true
  }

  release(member: GroupMember, key: string): void {
    if (this.#owners.get(key) !== member) return
    this.#owners.delete(key)
    // The member it was dealt to may be waiting for it.
    this.#notify()
  }

  #rebalance(): void {
    const assignment = new Map<GroupMember, Set<string>>(this.#members.map((member) => [member, new Set()]))
    const topics = [...new Set(this.#members.flatMap((member) => member.topics))].sort()
    let turn = 0
    for (const topic of topics) {
      const eligible = this.#members.filter((member) => member.topics.includes(topic))
      for (let partition = 0; partition < this.#partitionsOf(topic); partition++) {
        const member = eligible[turn % eligible.length] as GroupMember
        assignment.get(member)?.add(partitionKey(topic, partition))
        turn += 1
      }
    }
    this.#assignment = assignment
    this.#notify()
  }

  /** Tells every member to look again; a member's reaction may release partitions and notify again. */
  #notify(): void {
    if (this.#notifying) {
      this.#notifyAgain = true
      return
    }
    this.#notifying = true
    try {
      do {
        this.#notifyAgain = false
        for (const member of [...this.#members]) member.assignmentChanged()
      } while (this.#notifyAgain)
    } finally {
      this.#notifying = false
    }
  }
}
