import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { parseAllDocuments } from 'yaml'
import { nodeFlagsFor, ROLE_NODE_FLAGS } from '../../src/runtime/node-flags.ts'
import { isCustomResource, type Manifest, typeErrors, validatorErrors } from './custom-resources.ts'
import { ROOT, run, tempDir } from './deploy-tools.ts'

const CHART = join(ROOT, 'deploy/helm/flowline')
const VALUES = ['values.yaml', 'values-staging.yaml', 'values-production.yaml']
// The oldest Kubernetes the chart supports (Chart.yaml kubeVersion) and the newest with schemas here.
const KUBERNETES = ['1.29.0', '1.37.0']

// biome-ignore lint/suspicious/noExplicitAny: rendered manifests are checked field by field below
type Doc = Manifest & Record<string, any>

function render(values: string, ...extra: string[]): Doc[] {
  const result = run('helm', [
    'template',
    'flowline',
    CHART,
    '--namespace',
    'flowline',
    '--kube-version',
    '1.33.0',
    '-f',
    join(CHART, values),
    ...extra,
  ])
  assert.equal(result.code, 0, result.stderr)
  return parseAllDocuments(result.stdout)
    .map((doc) => doc.toJS() as Doc | null)
    .filter((doc): doc is Doc => doc !== null)
}

/** kubernetes-validate, strict (unknown fields are errors), offline, for one Kubernetes version. */
function validateCore(file: string, version: string) {
  return run('python3', ['-m', 'kubernetes_validate', '--strict', '--kubernetes-version', version, file])
}

function writeManifests(dir: string, name: string, docs: readonly object[]): string {
  const file = join(dir, name)
  writeFileSync(file, docs.map((doc) => `---\n${JSON.stringify(doc)}\n`).join(''))
  return file
}

const byKind = (docs: readonly Doc[], kind: string) => docs.filter((doc) => doc.kind === kind)

describe('Helm chart deploy/helm/flowline', () => {
  for (const values of VALUES) {
    describe(`rendered with ${values}`, () => {
      const docs = render(values)
      const core = docs.filter((doc) => !isCustomResource(doc))
      const custom = docs.filter(isCustomResource)

      it('passes helm lint --strict', () => {
        const result = run('helm', [
          'lint',
          CHART,
          '--strict',
          '--kube-version',
          '1.33.0',
          '-f',
          join(CHART, values),
        ])
        assert.equal(result.code, 0, result.stdout + result.stderr)
      })

      for (const version of KUBERNETES) {
        it(`has Kubernetes manifests valid for ${version} (kubernetes-validate --strict)`, (t) => {
          const file = writeManifests(tempDir(t, 'core'), 'core.yaml', core)
          const result = validateCore(file, version)
          assert.equal(result.code, 0, result.stdout + result.stderr)
          assert.doesNotMatch(result.stdout + result.stderr, /Couldn't find schema|ERROR/)
          assert.equal((result.stdout.match(/^INFO .* passed for resource /gm) ?? []).length, core.length)
        })
      }

      it('has Strimzi, CloudNativePG and KEDA resources valid for their schemas', async () => {
        assert.deepEqual([...new Set(custom.map((doc) => doc.kind))].sort(), [
          'Cluster',
          'Kafka',
          'KafkaNodePool',
          'KafkaTopic',
          'KafkaUser',
          'ScaledObject',
          'TriggerAuthentication',
        ])
        assert.deepEqual(await validatorErrors(custom), [])
        assert.equal(typeErrors(custom), '')
      })

      it('runs each role non-root on a read-only file system, probed, with a grace period covering its drain', () => {
        const configMap = byKind(docs, 'ConfigMap')[0]
        const produceTimeoutS = Number(configMap?.data.INGEST_PRODUCE_TIMEOUT_MS) / 1000
        for (const deployment of byKind(docs, 'Deployment')) {
          const pod = deployment.spec.template.spec
          const [container] = pod.containers
          const name = deployment.metadata.name
          assert.equal(pod.securityContext.runAsNonRoot, true, name)
          assert.equal(container.securityContext.readOnlyRootFilesystem, true, name)
          assert.equal(container.securityContext.allowPrivilegeEscalation, false, name)
          assert.deepEqual(container.securityContext.capabilities.drop, ['ALL'], name)
          const preStop = Number(container.lifecycle.preStop.exec.command[1])
          assert.ok(pod.terminationGracePeriodSeconds > preStop, name)
          if (name.endsWith('-ingest'))
            assert.ok(pod.terminationGracePeriodSeconds >= preStop + produceTimeoutS, name)
          if (container.ports) {
            assert.equal(container.readinessProbe.httpGet.path, '/ready', name)
            assert.equal(container.livenessProbe.httpGet.path, '/health', name)
          }
        }
      })

      it('starts the saver with its own V8 flags and every other role with the image entrypoint', () => {
        for (const deployment of byKind(docs, 'Deployment')) {
          const role = deployment.metadata.name.replace(/^flowline-/, '')
          const expected =
            role in ROLE_NODE_FLAGS ? ['node', ...nodeFlagsFor(role), 'src/main.ts'] : undefined
          assert.deepEqual(deployment.spec.template.spec.containers[0].command, expected, role)
        }
      })

      it('takes secrets from the operators’ Secrets as files, never from the ConfigMap', () => {
        const [configMap] = byKind(docs, 'ConfigMap')
        assert.ok(configMap)
        assert.match(configMap.data.DATABASE_URL_FILE, /^\/var\/run\/secrets\//)
        assert.match(configMap.data.KAFKA_SASL_PASSWORD_FILE, /^\/var\/run\/secrets\//)
        assert.equal(configMap.data.DATABASE_URL, undefined)
        assert.equal(configMap.data.KAFKA_SASL_PASSWORD, undefined)
        const admin = byKind(docs, 'Deployment').find((doc) => doc.metadata.name.endsWith('-admin'))
        const readUrl = admin?.spec.template.spec.containers[0].env.find(
          (env: { name: string }) => env.name === 'DATABASE_READ_URL',
        )
        assert.match(readUrl?.value ?? '', /@flowline-db-ro\./)
      })

      it('scales ingest on CPU and the consumer groups on Kafka lag, with a PDB and a NetworkPolicy per role', () => {
        const deployments = byKind(docs, 'Deployment').map((doc) => doc.metadata.name)
        const [hpa] = byKind(docs, 'HorizontalPodAutoscaler')
        assert.equal(hpa?.spec.scaleTargetRef.name, 'flowline-ingest')
        assert.equal(hpa?.spec.metrics[0].resource.name, 'cpu')
        const scaled = byKind(docs, 'ScaledObject')
        assert.deepEqual(
          scaled.map((doc) => doc.spec.scaleTargetRef.name),
          ['flowline-saver'],
        )
        for (const doc of scaled) assert.equal(doc.spec.triggers[0].type, 'kafka')
        const policies = byKind(docs, 'NetworkPolicy').map((doc) => doc.metadata.name)
        for (const name of deployments) assert.ok(policies.includes(name), `no NetworkPolicy for ${name}`)
        // Ingest checks device tokens and the registry in PostgreSQL: it needs the URL and a way out to it.
        for (const role of ['ingest', 'saver', 'dead-letter-saver', 'admin']) {
          const policy = byKind(docs, 'NetworkPolicy').find((doc) => doc.metadata.name === `flowline-${role}`)
          const toPostgres = ((policy?.spec.egress ?? []) as Doc[]).some(
            (rule) =>
              rule.to?.some(
                (peer: Doc) => peer.podSelector?.matchLabels?.['cnpg.io/cluster'] === 'flowline-db',
              ) && rule.ports?.some((port: Doc) => port.port === 5432),
          )
          assert.ok(toPostgres, `${role} may reach PostgreSQL`)
        }
        const configMap = byKind(docs, 'ConfigMap').find((doc) => doc.data?.DATABASE_URL_FILE !== undefined)
        const ingest = byKind(docs, 'Deployment').find((doc) => doc.metadata.name === 'flowline-ingest')
        const ingestContainer = ingest?.spec.template.spec.containers[0]
        assert.ok(
          ingestContainer.envFrom.some((from: Doc) => from.configMapRef?.name === configMap?.metadata.name),
          'ingest reads DATABASE_URL_FILE from the ConfigMap',
        )
        assert.ok(
          ingestContainer.volumeMounts.some(
            (mount: Doc) => mount.mountPath === '/var/run/secrets/flowline/database',
          ),
          'and has the database Secret mounted',
        )
        const budgets = byKind(docs, 'PodDisruptionBudget').map((doc) => doc.metadata.name)
        for (const role of ['ingest', 'saver', 'dead-letter-saver', 'admin'])
          assert.ok(budgets.includes(`flowline-${role}`), role)
        const topics = byKind(docs, 'KafkaTopic')
        for (const topic of topics)
          assert.ok(topic.spec.partitions > 0 && topic.spec.replicas === 3, topic.metadata.name)
      })
    })
  }

  describe('the window aggregator', () => {
    const envOf = (docs: readonly Doc[], role: string) =>
      (byKind(docs, 'Deployment').find((doc) => doc.metadata.name === `flowline-${role}`)?.spec.template.spec
        .containers[0].env ?? []) as Array<{ name: string; value?: string }>

    it('runs inside the savers by default: no aggregate Deployment, the savers keep the default', () => {
      const docs = render('values.yaml')
      const names = byKind(docs, 'Deployment').map((doc) => doc.metadata.name)
      assert.ok(!names.includes('flowline-aggregate'), names.join(', '))
      assert.equal(
        envOf(docs, 'saver').find((env) => env.name === 'FLOWLINE_INLINE_AGGREGATOR'),
        undefined,
      )
    })

    it('with roles.aggregate.enabled runs as its own Deployment, scaled on lag, and the savers leave it out', () => {
      const docs = render('values-production.yaml', '--set', 'roles.aggregate.enabled=true')
      const scaled = byKind(docs, 'ScaledObject').map((doc) => doc.spec.scaleTargetRef.name)
      assert.deepEqual(scaled.sort(), ['flowline-aggregate', 'flowline-saver'])
      for (const kind of ['PodDisruptionBudget', 'NetworkPolicy'])
        assert.ok(
          byKind(docs, kind).some((doc) => doc.metadata.name === 'flowline-aggregate'),
          kind,
        )
      const inline = envOf(docs, 'saver').find((env) => env.name === 'FLOWLINE_INLINE_AGGREGATOR')
      assert.equal(inline?.value, 'false')
      assert.equal(
        envOf(docs, 'aggregate').find((env) => env.name === 'FLOWLINE_INLINE_AGGREGATOR'),
        undefined,
      )
    })
  })

  describe('known-bad manifests', () => {
    const docs = render('values.yaml')

    it('fails kubernetes-validate on a misspelt field of a Deployment', (t) => {
      const deployment = structuredClone(byKind(docs, 'Deployment')[0]) as Doc
      const container = deployment.spec.template.spec.containers[0]
      container.readinesProbe = container.readinessProbe
      const result = validateCore(writeManifests(tempDir(t, 'bad'), 'bad.yaml', [deployment]), '1.33.0')
      assert.notEqual(result.code, 0)
      assert.match(result.stdout + result.stderr, /readinesProbe/)
    })

    it('fails the custom-resource checks on an unknown field and on a wrong type', async () => {
      const kafka = structuredClone(byKind(docs, 'Kafka')[0]) as Doc
      kafka.spec.kafka.listeners[0].authentification = { type: 'scram-sha-512' }
      assert.match(typeErrors([kafka]), /authentification/)
      const cluster = structuredClone(byKind(docs, 'Cluster')[0]) as Doc
      cluster.spec.instances = 'two'
      assert.match((await validatorErrors([cluster])).join('\n'), /instances must be integer/)
      assert.match(typeErrors([cluster]), /'string' is not assignable to type 'number'/)
    })

    it('fails helm template on values the chart cannot render', () => {
      const result = run('helm', [
        'template',
        'flowline',
        CHART,
        '--kube-version',
        '1.33.0',
        '--set',
        'roles.ingest.autoscaling=oops',
      ])
      assert.notEqual(result.code, 0)
    })
  })
})
