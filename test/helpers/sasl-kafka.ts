import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { freePortRange, KafkaNode, kafkaTuning } from '../../harness/index.ts'

const run = promisify(execFile)

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
 * A private single-node KRaft broker from the harness, never the shared one: own ports and state
 * directory, a PLAINTEXT listener for itself only, and SASL_PLAINTEXT and SASL_SSL listeners that
 * accept SCRAM-SHA-256 and SCRAM-SHA-512. The users are written into the metadata when the storage
 * is formatted (`kafka-storage format --add-scram`), so no plaintext client is ever needed.
 */
export async function startSaslKafka(users: readonly ScramUser[]): Promise<SaslKafka> {
  const dir = await mkdtemp(join(tmpdir(), 'flowline-sasl-kafka-'))
  const base = await freePortRange(4)
  const [port, controllerPort, plaintextPort, sslPort] = [base, base + 1, base + 2, base + 3]
  await makeCertificates(dir)
  const tuning = kafkaTuning()
  const broker = new KafkaNode(
    {
      name: 'sasl-kafka',
      dir,
      nodeId: 1,
      port,
      controllerPort,
      voters: `1@127.0.0.1:${controllerPort}`,
      replicated: false,
      clusterIdFile: join(dir, 'cluster.id'),
      jvmOpts: tuning.singleJvmOpts,
      sasl: {
        plaintextPort,
        sslPort,
        keystorePem: join(dir, 'keystore.pem'),
        scram: users.flatMap((user) =>
          ['SCRAM-SHA-256', 'SCRAM-SHA-512'].map(
            (mechanism) => `${mechanism}=[name=${user.name},password=${user.password}]`,
          ),
        ),
      },
    },
    tuning,
  )
  const stop = async () => {
    await broker.kill()
    await rm(dir, { recursive: true, force: true, maxRetries: 10 })
  }
  try {
    await broker.start()
  } catch (error) {
    await stop()
    throw error
  }
  return {
    saslPlaintext: `127.0.0.1:${plaintextPort}`,
    saslSsl: `127.0.0.1:${sslPort}`,
    caFile: join(dir, 'ca.pem'),
    stop,
  }
}
