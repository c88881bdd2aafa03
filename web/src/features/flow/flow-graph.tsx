import type { Ok } from '../../api/client'
import { formatRate } from '../../ui/format'

type Snapshot = Ok<'/flow'>
type FlowNode = Snapshot['nodes'][number]

const WIDTH = 168
const HEIGHT = 58
const COLUMN = 212
const ROW = 84

/** Which column a node stands in, left to right as data flows. */
function columnOf(node: FlowNode, ingestTopic: string | undefined): number {
  if (node.kind === 'source') return 0
  if (node.id === 'ingest') return 1
  if (node.id === ingestTopic) return 2
  if (node.id === 'saver' || node.id === 'aggregate') return 3
  if (node.kind === 'api') return 5
  return 4
}

function layout(snapshot: Snapshot) {
  const { nodes, edges } = snapshot
  const ingestTopic = edges.find((edge) => edge.from === 'ingest')?.to
  const columns = new Map<number, FlowNode[]>()
  for (const node of nodes) {
    const column = columnOf(node, ingestTopic)
    columns.set(column, [...(columns.get(column) ?? []), node])
  }
  const rows = Math.max(...[...columns.values()].map((column) => column.length))
  const positions = new Map<string, { x: number; y: number }>()
  for (const [column, members] of columns) {
    const top = ((rows - members.length) * ROW) / 2
    members.forEach((node, index) => {
      positions.set(node.id, { x: 8 + column * COLUMN, y: 8 + top + index * ROW })
    })
  }
  return { positions, width: 16 + 5 * COLUMN + WIDTH, height: 16 + rows * ROW - (ROW - HEIGHT) }
}

/**
 * The pipeline drawn as boxes and arrows, each arrow labelled with its rate. A picture for the
 * eye: the same numbers are in the tables below it for screen readers (the SVG is hidden from them).
 */
export function FlowGraph({ snapshot }: { readonly snapshot: Snapshot }) {
  const { positions, width, height } = layout(snapshot)
  return (
    <svg className="flow-graph" viewBox={`0 0 ${width} ${height}`} aria-hidden="true" focusable="false">
      <defs>
        <marker
          id="arrow"
          viewBox="0 0 10 10"
          refX="10"
          refY="5"
          markerWidth="7"
          markerHeight="7"
          orient="auto"
        >
          <path d="M0,0 L10,5 L0,10 z" fill="#4a5568" />
        </marker>
      </defs>
      {snapshot.edges.map((edge) => {
        const from = positions.get(edge.from)
        const to = positions.get(edge.to)
        if (!from || !to) return null
        const x1 = from.x + WIDTH
        const y1 = from.y + HEIGHT / 2
        const x2 = to.x
        const y2 = to.y + HEIGHT / 2
        const bend = (x2 - x1) / 2
        const active = (edge.rate ?? 0) > 0
        return (
          <g key={`${edge.from}-${edge.to}`} className={active ? 'edge active' : 'edge'}>
            <path
              d={`M${x1},${y1} C${x1 + bend},${y1} ${x2 - bend},${y2} ${x2},${y2}`}
              markerEnd="url(#arrow)"
            />
            <text x={(x1 + x2) / 2} y={(y1 + y2) / 2 - 4} textAnchor="middle">
              {formatRate(edge.rate)}/s
            </text>
          </g>
        )
      })}
      {snapshot.nodes.map((node) => {
        const at = positions.get(node.id)
        if (!at) return null
        return (
          <g
            key={node.id}
            className={`node node-${node.kind} health-${node.health}`}
            transform={`translate(${at.x},${at.y})`}
          >
            <rect width={WIDTH} height={HEIGHT} rx="8" />
            <circle cx="14" cy="16" r="5" />
            <text x="26" y="20" className="node-label">
              {node.label.length > 19 ? `${node.label.slice(0, 18)}…` : node.label}
            </text>
            <text x="12" y="42" className="node-detail">
              {node.detail.length > 26 ? `${node.detail.slice(0, 25)}…` : node.detail}
            </text>
          </g>
        )
      })}
    </svg>
  )
}
