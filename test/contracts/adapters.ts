/**
 * Which adapter pairs the contract suites run against: FLOWLINE_ADAPTERS=embedded (embedded log
 * + PGlite, no service needed: `npm run test:fast`), =real (Kafka + PostgreSQL), or both (the
 * default, what `npm test` and CI run).
 */
const wanted = new Set(
  (process.env.FLOWLINE_ADAPTERS ?? 'embedded,real').split(',').map((name) => name.trim()),
)
for (const name of wanted)
  if (name !== 'embedded' && name !== 'real')
    throw new Error(`FLOWLINE_ADAPTERS=${process.env.FLOWLINE_ADAPTERS}: expected embedded, real or both`)

export const adapterPairs = { embedded: wanted.has('embedded'), real: wanted.has('real') }
