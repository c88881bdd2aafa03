import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { homedir, tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'
import { freePort } from '../../harness/index.ts'

const run = promisify(execFile)
const SCRIPTS = new URL('../../scripts/', import.meta.url).pathname

export interface ScramUser {
  readonly name: string
  readonly password: string
}

export interface SaslKafka {
  /** host:port of the SASL_PLAINTEXT listener. */
  readonly saslPlaintext: string
  /** host:port of the SASL_SSL listener (certificate for 127.0.0.1). */
  readonly saslSsl: string
  /** PEM of the CA that signed the broker's certificate. */
  readonly caFile: string
  stop(): Promise<void>
}

/** The jars scripts/kafka/install.sh caches, as scripts/services.sh finds them. */
async function kafkaLibs(): Promise<string> {
  const pom = await readFile(join(SCRIPTS, 'kafka/pom.xml'), 'utf8')
  const version = /<kafka\.version>(.*)<\/kafka\.version>/.exec(pom)?.[1]
  const cache = process.env.FLOWLINE_CACHE_DIR ?? join(homedir(), '.cache/flowline')
  return join(cache, `kafka-${version}`, 'libs')
}

/** A throw-away CA and a certificate for 127.0.0.1 signed by it; Kafka reads the PEM files directly. */
async function makeCertificates(dir: string): Promise<void> {
  const ssl = (...args: string[]) => run('openssl', args, { cwd: dir })
  const key = ['-newkey', 'rsa:2048', '-nodes']
  await ssl(
    'req',
    '-x509',
    ...key,
    '-days',
    '1',
    '-subj',
    '/CN=flowline-test-ca',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
  )
  await ssl('req', ...key, '-subj', '/CN=127.0.0.1', '-keyout', 'broker.key', '-out', 'broker.csr')
  await writeFile(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n')
  const sign = ['-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', 'san.ext']
  await ssl('x509', '-req', '-in', 'broker.csr', ...sign, '-out', 'broker.pem')
  // Kafka's PEM key store takes the PKCS#8 key and the certificate chain in one file.
  const chain = await readFile(join(dir, 'broker.pem'), 'utf8')
  await writeFile(join(dir, 'keystore.pem'), `${await readFile(join(dir, 'broker.key'), 'utf8')}${chain}`)
}

/**
 * A private single-node KRaft broker, never the shared one: own ports and state directory, a
 * PLAINTEXT listener for itself only, and SASL_PLAINTEXT and SASL_SSL listeners that accept
 * SCRAM-SHA-256 and SCRAM-SHA-512. The users are written into the metadata when the storage is
 * formatted (`kafka-storage format --add-scram`), so no plaintext client is ever needed.
 */
export async function startSaslKafka(users: readonly ScramUser[]): Promise<SaslKafka> {
  const dir = await mkdtemp(join(tmpdir(), 'flowline-sasl-kafka-'))
  const [internal, controller, saslPlain, saslSsl] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ]
  await makeCertificates(dir)
  const scram = users.flatMap((user) =>
    ['SCRAM-SHA-256', 'SCRAM-SHA-512'].map(
      (mechanism) => `${mechanism}=[name=${user.name},password=${user.password}]`,
    ),
  )
  await writeFile(
    join(dir, 'server.properties'),
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${controller}`,
      `listeners=INTERNAL://127.0.0.1:${internal},CONTROLLER://127.0.0.1:${controller},SASL_PLAINTEXT://127.0.0.1:${saslPlain},SASL_SSL://127.0.0.1:${saslSsl}`,
      `advertised.listeners=INTERNAL://127.0.0.1:${internal},SASL_PLAINTEXT://127.0.0.1:${saslPlain},SASL_SSL://127.0.0.1:${saslSsl}`,
      'controller.listener.names=CONTROLLER',
      'inter.broker.listener.name=INTERNAL',
      'listener.security.protocol.map=CONTROLLER:PLAINTEXT,INTERNAL:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL',
      'sasl.enabled.mechanisms=SCRAM-SHA-256,SCRAM-SHA-512',
      'listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
      'listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
      'listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
      'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
      'ssl.keystore.type=PEM',
      `ssl.keystore.location=${join(dir, 'keystore.pem')}`,
      `log.dirs=${join(dir, 'data')}`,
      'auto.create.topics.enable=false',
      'offsets.topic.replication.factor=1',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'share.coordinator.state.topic.replication.factor=1',
      'group.initial.rebalance.delay.ms=0',
      'num.network.threads=2',
      'num.io.threads=2',
      '',
    ].join('\n'),
  )
  const libs = await kafkaLibs()
  const tool = ['-Xshare:auto', '-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-Xmx256m']
  const log4j = `-Dlog4j2.configurationFile=${join(SCRIPTS, 'kafka/tools-log4j2.xml')}`
  await run('java', [
    ...tool,
    log4j,
    '-cp',
    `${libs}/*`,
    'kafka.tools.StorageTool',
    'format',
    '-t',
    'Zmxvd2xpbmUtc2FzbC10ZQ',
    '-c',
    join(dir, 'server.properties'),
    ...scram.flatMap((entry) => ['--add-scram', entry]),
  ])
  const broker: ChildProcess = spawn(
    'java',
    [
      '-Xms128m',
      '-Xmx384m',
      '-XX:+UseSerialGC',
      `-Dkafka.logs.dir=${join(dir, 'logs')}`,
      `-Dlog4j2.configurationFile=${join(SCRIPTS, 'kafka/log4j2.xml')}`,
      '-cp',
      `${libs}/*`,
      'kafka.Kafka',
      join(dir, 'server.properties'),
    ],
    { stdio: 'ignore' },
  )
  const exited = new Promise<void>((resolve) => broker.once('exit', () => resolve()))
  const stop = async () => {
    if (broker.exitCode === null && broker.signalCode === null) broker.kill('SIGKILL')
    await exited
    await rm(dir, { recursive: true, force: true })
  }
  const deadline = Date.now() + 90_000
  while (true) {
    const log = await readFile(join(dir, 'logs/server.log'), 'utf8').catch(() => '')
    if (log.includes('Kafka Server started')) break
    if (broker.exitCode !== null || Date.now() > deadline) {
      await stop()
      throw new Error(`the private SASL broker did not start:\n${log.slice(-3000)}`)
    }
    await sleep(250)
  }
  return {
    saslPlaintext: `127.0.0.1:${saslPlain}`,
    saslSsl: `127.0.0.1:${saslSsl}`,
    caFile: join(dir, 'ca.pem'),
    stop,
  }
}
