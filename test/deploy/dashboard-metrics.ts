/** A Grafana panel or row; rows may nest panels. */
interface Panel {
  readonly title?: string
  readonly datasource?: { type?: string; uid?: string }
  readonly targets?: { expr?: string; datasource?: { type?: string } }[]
  readonly panels?: Panel[]
}

/** A PromQL query of the dashboard, with the title of its panel. */
export interface PanelQuery {
  readonly panel: string
  readonly expr: string
}

const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan', 'Inf', 'NaN'])

/** Every PromQL query of a dashboard (Loki and other data sources left out). */
export function promQueries(dashboard: { panels: Panel[] }): PanelQuery[] {
  const queries: PanelQuery[] = []
  const visit = (panel: Panel) => {
    for (const target of panel.targets ?? []) {
      const type = target.datasource?.type ?? panel.datasource?.type
      if (type === 'prometheus' && target.expr) queries.push({ panel: panel.title ?? '?', expr: target.expr })
    }
    for (const child of panel.panels ?? []) visit(child)
  }
  for (const panel of dashboard.panels) visit(panel)
  return queries
}

/**
 * The metric names a PromQL expression selects. Strings, label matchers, ranges and grouping
 * clauses are removed first; a name followed by `(` is a function or an aggregation.
 */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
  const names: string[] = []
  for (const [, name, call] of bare.matchAll(/(?<![\w.])([A-Za-z_:][\w:]*)(\s*\()?/g)) {
    if (!call && name && !KEYWORDS.has(name)) names.push(name)
  }
  return names
}

/** `metric (panel)` for each metric a query uses that none of `exported` is. */
export function unknownMetrics(queries: readonly PanelQuery[], exported: ReadonlySet<string>): string[] {
  return queries.flatMap(({ panel, expr }) =>
    metricNames(expr)
      .filter((name) => !exported.has(name))
      .map((name) => `${name} (${panel})`),
  )
}
