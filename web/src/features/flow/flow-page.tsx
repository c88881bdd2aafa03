import { useState } from 'react'
import type { Ok } from '../../api/client'
import { useEventStream } from '../../api/use-event-stream'
import { formatInteger, formatRate, formatTime } from '../../ui/format'
import { StatusBadge } from '../../ui/status-badge'
import { FlowGraph } from './flow-graph'

type Snapshot = Ok<'/flow'>

/** Home: the running pipeline, redrawn at each tick of GET /flow/events. */
export function FlowPage() {
  const [snapshot, setSnapshot] = useState<Snapshot | null>(null)
  const stream = useEventStream<Snapshot>('/flow/events', 'flow', setSnapshot)
  const names = new Map(snapshot?.nodes.map((node) => [node.id, node.label]))
  return (
    <>
      <div className="page-head">
        <h1>Flow</h1>
        <p className="muted" aria-live="off">
          {stream === 'live' ? 'Live' : stream === 'connecting' ? 'Connecting…' : 'Reconnecting…'}
          {snapshot && ` · updated ${formatTime(snapshot.at)}`}
        </p>
      </div>
      {!snapshot && <p>Waiting for the first reading of the roles' metrics…</p>}
      {snapshot && (
        <>
          <div className="cards">
            <Metric
              label="Ingest errors (4xx/5xx)"
              value={`${formatRate(snapshot.errors.rejected_per_s)}/s`}
            />
            <Metric label="Dead letters" value={`${formatRate(snapshot.errors.dead_letters_per_s)}/s`} />
            <Metric label="Batch retries" value={`${formatRate(snapshot.errors.batch_retries_per_s)}/s`} />
          </div>
          <FlowGraph snapshot={snapshot} />
          <div className="two-columns">
            <section>
              <table>
                <caption>Flows</caption>
                <thead>
                  <tr>
                    <th scope="col">From → to</th>
                    <th scope="col">What</th>
                    <th scope="col" className="number">
                      Rate
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {snapshot.edges.map((edge) => (
                    <tr key={`${edge.from}-${edge.to}`}>
                      <th scope="row">
                        {names.get(edge.from)} → {names.get(edge.to)}
                      </th>
                      <td>{edge.label}</td>
                      <td className="number">
                        {formatRate(edge.rate)} {edge.unit}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
            <section>
              <table>
                <caption>Processes</caption>
                <thead>
                  <tr>
                    <th scope="col">Process</th>
                    <th scope="col">Health</th>
                    <th scope="col">Metrics from</th>
                  </tr>
                </thead>
                <tbody>
                  {snapshot.nodes
                    .filter((node) => node.kind === 'process' || node.kind === 'api')
                    .map((node) => (
                      <tr key={node.id}>
                        <th scope="row">{node.label}</th>
                        <td>
                          <StatusBadge status={node.health} />
                        </td>
                        <td>{node.detail}</td>
                      </tr>
                    ))}
                </tbody>
              </table>
              <table>
                <caption>Consumer lag per partition</caption>
                <thead>
                  <tr>
                    <th scope="col">Group</th>
                    <th scope="col">Topic</th>
                    <th scope="col" className="number">
                      Partition
                    </th>
                    <th scope="col" className="number">
                      Lag
                    </th>
                    <th scope="col">Source</th>
                  </tr>
                </thead>
                <tbody>
                  {snapshot.partitions.map((lag) => (
                    <tr key={`${lag.group}/${lag.topic}/${lag.partition}`}>
                      <td>{lag.group}</td>
                      <td>{lag.topic}</td>
                      <td className="number">{lag.partition}</td>
                      <td className="number">{formatInteger(lag.lag)}</td>
                      <td>{lag.source}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          </div>
        </>
      )}
    </>
  )
}

function Metric({ label, value }: { readonly label: string; readonly value: string }) {
  return (
    <div className="card metric">
      <span className="metric-label">{label}</span>
      <span className="metric-value">{value}</span>
    </div>
  )
}
