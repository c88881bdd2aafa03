import type uPlot from 'uplot'

/** An x axis of whole UTC days (the reports' rows), labelled 2026-12-02, not by the hour. */
export const dayAxis: uPlot.Axis = {
  incrs: [86_400, 2 * 86_400, 7 * 86_400],
  values: (_plot, splits) => splits.map((seconds) => new Date(seconds * 1000).toISOString().slice(0, 10)),
}
