import { keepPreviousData, useQuery } from '@tanstack/react-query'
import { useMemo, useState } from 'react'
import type uPlot from 'uplot'
import { api, unwrap } from '../../api/client'
import { formatInteger } from '../../ui/format'
import { UPlotChart } from '../../ui/uplot-chart'

const RANGES = [
  { label: '1 hour', ms: 3_600_000 },
  { label: '6 hours', ms: 6 * 3_600_000 },
  { label: '1 day', ms: 86_400_000 },
  { label: '7 days', ms: 7 * 86_400_000 },
] as const

interface Range {
  readonly fromMs: number
  readonly toMs: number
}

const describeStep = (seconds: number) =>
  seconds % 3600 === 0 ? `${seconds / 3600} h` : seconds % 60 === 0 ? `${seconds / 60} min` : `${seconds} s`

/**
 * A sensor's history from its 1-minute windows, merged on the server into at most 1,500 buckets
 * (mean, with the min–max band). Dragging over the chart zooms: the server merges again for the
 * narrower range, so zooming in shows finer buckets, never more rows than the screen can show.
 */
export function HistoryChart({ sensorId }: { readonly sensorId: string }) {
  const [range, setRange] = useState<Range>(() => ({ fromMs: Date.now() - 3_600_000, toMs: Date.now() }))
  const [zoomed, setZoomed] = useState(false)
  const [drawMs, setDrawMs] = useState<number | null>(null)
  const series = useQuery({
    queryKey: ['series', sensorId, range.fromMs, range.toMs],
    queryFn: () =>
      unwrap(
        api.GET('/sensors/{id}/series', {
          params: {
            path: { id: sensorId },
            query: {
              from: new Date(range.fromMs).toISOString(),
              to: new Date(range.toMs).toISOString(),
              size: '1m',
              points: 1500,
            },
          },
        }),
      ),
    placeholderData: keepPreviousData,
  })
  const options = useMemo<Omit<uPlot.Options, 'width' | 'height'>>(
    () => ({
      scales: { x: { time: true } },
      series: [
        {},
        { label: 'min', stroke: '#7aa7d6', width: 1 },
        { label: 'mean', stroke: '#0b5cad', width: 2 },
        { label: 'max', stroke: '#c0392b', width: 1 },
      ],
      bands: [{ series: [3, 1], fill: 'rgba(11, 92, 173, 0.12)' }],
      axes: [{}, { label: '°C' }],
      cursor: { drag: { x: true, y: false } },
      hooks: {
        setSelect: [
          (chart: uPlot) => {
            if (chart.select.width < 5) return
            const fromS = chart.posToVal(chart.select.left, 'x')
            const toS = chart.posToVal(chart.select.left + chart.select.width, 'x')
            chart.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false)
            setZoomed(true)
            setRange({ fromMs: Math.round(fromS * 1000), toMs: Math.round(toS * 1000) })
          },
        ],
      },
    }),
    [],
  )
  const items = series.data?.items ?? []
  const data = useMemo<uPlot.AlignedData>(
    () => [
      items.map((point) => Date.parse(point.t) / 1000),
      items.map((point) => point.min),
      items.map((point) => point.mean),
      items.map((point) => point.max),
    ],
    [items],
  )
  return (
    <section aria-labelledby="history-title">
      <h2 id="history-title">History</h2>
      <fieldset className="toolbar">
        <legend>Time range</legend>
        {RANGES.map((choice) => (
          <button
            key={choice.label}
            type="button"
            onClick={() => {
              setZoomed(false)
              setRange({ fromMs: Date.now() - choice.ms, toMs: Date.now() })
            }}
          >
            {choice.label}
          </button>
        ))}
        {zoomed && <span className="muted">Zoomed: drag over the chart to zoom further</span>}
      </fieldset>
      <p className="muted" aria-live="polite">
        {series.isFetching && !series.data
          ? 'Loading…'
          : series.data &&
            `${formatInteger(items.length)} buckets of ${describeStep(series.data.step_s)}` +
              (drawMs === null ? '' : ` · drawn in ${Math.round(drawMs)} ms`)}
      </p>
      <UPlotChart
        options={options}
        data={data}
        label={`History of ${sensorId}: mean, minimum and maximum temperature`}
        onDrawn={(ms) => items.length > 0 && setDrawMs(ms)}
      />
    </section>
  )
}
