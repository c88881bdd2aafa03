import pg from 'pg'

/**
 * Runs one query on a fresh connection. The checker talks to a server that the scenarios stop
 * and restart, so it keeps no connection open between queries.
 */
export async function query<Row extends pg.QueryResultRow>(
  url: string,
  text: string,
  params: unknown[] = [],
): Promise<Row[]> {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: 3000,
    query_timeout: 60_000,
  })
  client.on('error', () => {})
  await client.connect()
  try {
    return (await client.query<Row>(text, params)).rows
  } finally {
    await client.end().catch(() => {})
  }
}

/** Creates database `name` on the server of `adminUrl` and returns its URL. */
export async function createDatabase(adminUrl: string, name: string): Promise<string> {
  await query(adminUrl, `CREATE DATABASE ${name}`)
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  return url.toString()
}

/** The same URL with `application_name` set, so that pg_stat_activity tells which process a backend serves. */
export function withApplicationName(url: string, name: string): string {
  const parsed = new URL(url)
  parsed.searchParams.set('application_name', name)
  return parsed.toString()
}

export async function rowCount(url: string): Promise<number> {
  const [row] = await query<{ n: string }>(url, 'SELECT count(*) AS n FROM measurements')
  return Number(row?.n ?? 0)
}
