import { checkAlive, checkBrokerOutage } from '../lib/outage.ts'
import type { Scenario } from '../lib/scenario.ts'
import { PARTITIONS, type ScenarioRun } from '../lib/scenario-run.ts'

/** Waits until every partition has all three replicas in sync again (at most `timeoutMs`). */
async function waitIsrFull(run: ScenarioRun, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const partitions = await run.probe.partitions(run.topic).catch(() => [])
    if (partitions.length === PARTITIONS && partitions.every((partition) => partition.isr.length === 3))
      return true
    await run.sleep(500)
  }
  return false
}

async function leaderOf(run: ScenarioRun, partition: number): Promise<number> {
  for (let attempt = 0; attempt < 40; attempt++) {
    const described = (await run.probe.partitions(run.topic).catch(() => []))[partition]
    if (described && described.leader >= 1) return described.leader
    await run.sleep(250)
  }
  throw new Error(`no leader for partition ${partition}`)
}

/**
 * On a 3-broker KRaft cluster (topic created by Flowline with replication factor 3, brokers with
 * min.insync.replicas 2), the leader of a partition is SIGKILLed five times, each time restarted
 * and waited for until the ISR is whole again. Then two brokers are killed at once: with one
 * replica left, no write can reach min.insync.replicas, so ingest must answer 503 and never 202.
 */
export const clusterLeaderKill: Scenario = {
  id: 4,
  slug: 'cluster-leader-kill',
  title: '3-broker cluster (RF 3, min ISR 2): leader killed 5 times, then two brokers down',
  promises: ['P1', 'P2', 'P4', 'P6'],
  cluster: true,
  async run(run) {
    const ingest = await run.startRole('ingest', 'ingest')
    const saver = await run.startRole('saver', 'saver')
    const partitions = await run.probe.partitions(run.topic)
    const minIsr = await run.probe.topicConfig(run.topic, 'min.insync.replicas')
    run.check(
      'topic replicated 3 ways with min.insync.replicas 2',
      partitions.every((partition) => partition.replicas.length === 3) && minIsr === '2',
      `replicas per partition: ${partitions.map((partition) => partition.replicas.length).join(',')}; min.insync.replicas=${minIsr}`,
    )
    run.sampleLag()
    run.startLoad(ingest.url)
    await run.sleep(5000)

    const kills = run.short ? 2 : 5
    for (let kill = 1; kill <= kills; kill++) {
      const partition = kill % PARTITIONS
      const leader = await leaderOf(run, partition)
      await run.services.cluster.broker(leader).kill()
      run.event('fault', `leader of partition ${partition}, broker ${leader}, SIGKILLed (#${kill})`)
      await run.sleep(5000)
      await run.services.cluster.startBroker(leader)
      run.event(`broker ${leader} restarted`)
      const whole = await waitIsrFull(run, 90_000)
      run.event(whole ? 'ISR whole again' : 'ISR still not whole after 90 s')
    }

    const first = await leaderOf(run, 0)
    const second = (first % 3) + 1
    await run.services.cluster.broker(first).kill()
    await run.services.cluster.broker(second).kill()
    const downFrom = Date.now()
    run.event(
      'fault',
      `brokers ${first} and ${second} SIGKILLed: one replica left, below min.insync.replicas`,
    )
    await run.sleep(run.short ? 10_000 : 20_000)
    const downUntil = Date.now()
    run.event('healing', `starting brokers ${first} and ${second}`)
    await run.services.cluster.startBroker(first)
    await run.services.cluster.startBroker(second)
    run.heal(`brokers ${first} and ${second} started again`)
    const whole = await waitIsrFull(run, 120_000)
    run.event(whole ? 'ISR whole again' : 'ISR still not whole after 120 s')
    await run.sleep(run.short ? 5000 : 10_000)
    checkBrokerOutage(run, downFrom, downUntil, 'two of three brokers are down')
    checkAlive(run, [ingest, saver])
    run.metrics.leaderKills = kills
  },
}
