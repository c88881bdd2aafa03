// Writes the files that list every Flowline setting, from the settings table that also makes
// `--help`: `.env.example` and the pass-through block of docker-compose.yml.
//   npm run deploy:generate          rewrite them
//   npm run deploy:generate -- --check   exit 1 when one is out of date (the tests do the same)
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { SETTINGS, type Setting } from '../../src/config/settings.ts'

const ROOT = join(import.meta.dirname, '..', '..')
const BEGIN = '# BEGIN generated settings\n'
const END = '# END generated settings\n'

function defaultText(setting: Setting): string {
  return Array.isArray(setting.default) ? setting.default.join(',') : String(setting.default)
}

/** `.env.example`: each setting commented out at its default, with its flag, roles and meaning. */
export function renderEnvExample(settings: readonly Setting[] = SETTINGS): string {
  const lines = [
    '# Every Flowline setting with its default. Generated from src/config/settings.ts by',
    '# `npm run deploy:generate`: do not edit by hand. Copy to `.env` and uncomment what you change;',
    '# docker compose reads `.env` and passes each setting set there to the Flowline containers.',
    '# docker-compose.yml itself sets FLOWLINE_HOST, KAFKA_BROKERS, DATABASE_URL, the ports and',
    '# FLOWLINE_REPLICATION_FACTOR for the containers; those values win over this file.',
    '',
    '# Compose only (not Flowline settings): credentials and images of the stack.',
    '# POSTGRES_USER=flowline',
    '# POSTGRES_PASSWORD=flowline',
    '# POSTGRES_DB=flowline',
    '# FLOWLINE_IMAGE=flowline:local',
    '# KAFKA_CLUSTER_ID=MkU3OEVBNTcwNTJENDM2Qk',
    '# GRAFANA_ADMIN_USER=admin',
    '# GRAFANA_ADMIN_PASSWORD=admin',
    '# PGADMIN_EMAIL=admin@example.com',
    '# PGADMIN_PASSWORD=admin',
  ]
  for (const setting of settings) {
    lines.push('', `# --${setting.flag} (${setting.roles.join(', ')}): ${setting.description}`)
    lines.push(`# ${setting.env}=${defaultText(setting)}`)
  }
  return `${lines.join('\n')}\n`
}

/** The `x-flowline-settings` mapping: every variable with no value, which compose passes through. */
export function renderComposeBlock(settings: readonly Setting[] = SETTINGS): string {
  const names = settings.map((setting) => `  ${setting.env}:\n`).join('')
  return `${BEGIN}x-flowline-settings: &flowline-settings\n${names}${END}`
}

/** docker-compose.yml with its generated block replaced by `block`. */
export function withComposeBlock(compose: string, block: string): string {
  const start = compose.indexOf(BEGIN)
  const end = compose.indexOf(END)
  if (start < 0 || end < start)
    throw new Error(`docker-compose.yml has no "${BEGIN.trim()}" … "${END.trim()}" block`)
  return compose.slice(0, start) + block + compose.slice(end + END.length)
}

/** The generated files under `root` whose content differs from what the settings table gives. */
export function staleFiles(root = ROOT): string[] {
  const compose = readFileSync(join(root, 'docker-compose.yml'), 'utf8')
  const stale: string[] = []
  if (readFileSync(join(root, '.env.example'), 'utf8') !== renderEnvExample()) stale.push('.env.example')
  if (withComposeBlock(compose, renderComposeBlock()) !== compose) stale.push('docker-compose.yml')
  return stale
}

if (import.meta.main) {
  if (process.argv.includes('--check')) {
    const stale = staleFiles()
    if (stale.length > 0) {
      process.stderr.write(`out of date: ${stale.join(', ')}; run \`npm run deploy:generate\`\n`)
      process.exit(1)
    }
  } else {
    const compose = join(ROOT, 'docker-compose.yml')
    writeFileSync(join(ROOT, '.env.example'), renderEnvExample())
    writeFileSync(compose, withComposeBlock(readFileSync(compose, 'utf8'), renderComposeBlock()))
  }
}
