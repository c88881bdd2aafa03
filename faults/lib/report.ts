import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { ScenarioResult } from './scenario.ts'

export interface SuiteReport {
  readonly runId: string
  readonly startedAt: string
  readonly finishedAt: string
  readonly short: boolean
  readonly host: { readonly cpus: number; readonly node: string }
  readonly logRoot: string
  readonly passed: boolean
  readonly scenarios: readonly ScenarioResult[]
}

/** Text for one Markdown table cell: no pipe, no line break. */
const cell = (text: string) =>
  text
    .replaceAll('|', '\\|')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .join('<br>')

const seconds = (ms: number | null) => (ms === null ? '—' : `${(ms / 1000).toFixed(1)} s`)

function summaryRow(result: ScenarioResult): string {
  const v = result.verdict
  const r = result.recovery
  const requests = v ? `${v.requests.ok} / ${v.requests.rejected} / ${v.requests.unknown}` : '—'
  const measurements = v
    ? `${v.measurements.ok} / ${v.measurements.rejected} / ${v.measurements.unknown} (${v.measurements.unknownStored} stored)`
    : '—'
  const recovery = [
    r.healToFirst202Ms === null ? null : `first 202 ${seconds(r.healToFirst202Ms)}`,
    r.healToStoredMs === null ? null : `stored ${seconds(r.healToStoredMs)}`,
  ]
    .filter(Boolean)
    .join(', ')
  return `| ${result.id} | ${result.title} | ${result.passed ? 'PASS' : '**FAIL**'} | ${requests} | ${measurements} | ${v?.lost ?? '—'} | ${v?.phantom ?? '—'} | ${v?.duplicated ?? '—'} | ${result.order?.violations ?? '—'} | ${recovery || '—'} | ${seconds(r.loadEndToStoredMs)} | ${result.durationS.toFixed(0)} s |`
}

function section(result: ScenarioResult): string {
  const lines = [`## ${result.id}. ${result.title} — ${result.passed ? 'PASS' : 'FAIL'}`, '']
  lines.push(`Promises: ${result.promises.join(', ')}. Logs: \`${result.logDir}\`.`, '')
  if (result.failures.length > 0) {
    lines.push('Failures:', '')
    for (const failure of result.failures) lines.push(`- ${failure.split('\n')[0]}`)
    lines.push('')
  }
  const v = result.verdict
  if (v) {
    lines.push(
      `Rows ${v.rows} (${v.foreign} of other sensors); lost ${v.lost}, phantom ${v.phantom}, duplicated ${v.duplicated}, never sent ${v.unexpected}, ` +
        `wrong value ${v.valueMismatch}, invalid accepted ${v.invalidAccepted}, sensors summary mismatches ${v.summaryMismatch}.`,
    )
  }
  if (result.order) {
    lines.push(
      `Order (P6): ${result.order.kafkaRecords} Kafka records (${result.order.duplicatesInKafka} repeating an earlier one), ${result.order.sensors} sensors, ` +
        `${result.order.violations} out of order, ${result.order.inKafkaNotStored} in Kafka but not stored.`,
    )
  }
  lines.push(
    `Answers: ${Object.entries(result.statuses)
      .map(([status, n]) => `${status} ×${n}`)
      .join(', ')}.`,
    '',
  )
  if (result.checks.length > 0) {
    lines.push('| check | result | detail |', '| --- | --- | --- |')
    for (const check of result.checks)
      lines.push(
        `| ${check.name} | ${check.passed ? 'pass' : check.advisory ? 'note' : '**fail**'} | ${cell(check.detail)} |`,
      )
    lines.push('')
  }
  lines.push('<details><summary>Timeline</summary>', '', '| t | event |', '| --- | --- |')
  for (const event of result.timeline)
    lines.push(
      `| ${event.atS.toFixed(1)} s | ${cell(`${event.event}${event.detail ? `: ${event.detail}` : ''}`)} |`,
    )
  lines.push('', '</details>', '')
  return lines.join('\n')
}

export function renderMarkdown(report: SuiteReport): string {
  const lines = [
    `# Flowline fault-injection report (${report.short ? 'short' : 'full'} run)`,
    '',
    `Run \`${report.runId}\`, ${report.startedAt} → ${report.finishedAt}, ${report.host.cpus} CPUs, Node ${report.host.node}. ` +
      `Overall: **${report.passed ? 'PASS' : 'FAIL'}**.`,
    '',
    'Requests and measurements are counted as ok (202) / rejected (4xx) / unknown (5xx, timeout, dropped connection).',
    'A measurement is ok if any request carrying it got a 202. Recovery: from the heal to the first 202 and to every',
    'measurement acknowledged before the heal being stored; "drain" is from the end of the load to every acknowledged',
    'measurement stored.',
    '',
    '| # | scenario | result | requests ok / rej / unk | measurements ok / rej / unk | lost | phantom | dup | order | recovery after heal | drain | time |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...report.scenarios.map(summaryRow),
    '',
    ...report.scenarios.map(section),
  ]
  return `${lines.join('\n')}\n`
}

/** Writes `<stem>.json` and `<stem>.md` under `directory`; returns their paths. */
export function writeReport(directory: string, stem: string, report: SuiteReport): string[] {
  mkdirSync(directory, { recursive: true })
  const json = join(directory, `${stem}.json`)
  const markdown = join(directory, `${stem}.md`)
  writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`)
  writeFileSync(markdown, renderMarkdown(report))
  return [json, markdown]
}
