import { useEffect, useRef } from 'react'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'

export interface ChartProps {
  /** Options without the size: the chart takes its container's width. */
  readonly options: Omit<uPlot.Options, 'width' | 'height'>
  readonly data: uPlot.AlignedData
  readonly height?: number
  /** What the chart shows, for screen readers (the canvas itself says nothing). */
  readonly label: string
  /** Called after each draw with the time since the data arrived, in ms. */
  readonly onDrawn?: (ms: number) => void
}

/** A uPlot chart that redraws in place when its data changes (no new chart per update). */
export function UPlotChart({ options, data, height = 260, label, onDrawn }: ChartProps) {
  const container = useRef<HTMLDivElement>(null)
  const plot = useRef<uPlot | null>(null)
  const drawn = useRef(onDrawn)
  drawn.current = onDrawn
  const dataAt = useRef(performance.now())

  // The chart is built once per set of options; data changes go through setData below.
  useEffect(() => {
    const element = container.current
    if (!element) return
    const chart = new uPlot(
      {
        ...options,
        width: element.clientWidth || 600,
        height,
        hooks: {
          ...options.hooks,
          draw: [...(options.hooks?.draw ?? []), () => drawn.current?.(performance.now() - dataAt.current)],
        },
      },
      [[]],
      element,
    )
    plot.current = chart
    const resize = new ResizeObserver(() => chart.setSize({ width: element.clientWidth, height }))
    resize.observe(element)
    return () => {
      resize.disconnect()
      chart.destroy()
      plot.current = null
    }
  }, [options, height])

  useEffect(() => {
    dataAt.current = performance.now()
    plot.current?.setData(data)
  }, [data])

  return <div ref={container} role="img" aria-label={label} className="chart" />
}
