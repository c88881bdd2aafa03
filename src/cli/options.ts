import { type Command, Option } from 'commander'
import { type Role, SETTINGS } from '../config/settings.ts'

/**
 * Adds a role's settings to its subcommand. No commander defaults are set, so an absent flag
 * stays undefined and `loadConfig` can fall back to the environment, then to the default shown.
 */
export function addSettings(command: Command, role: Role): Command {
  for (const setting of SETTINGS) {
    if (!setting.roles.includes(role)) continue
    const shown = Array.isArray(setting.default) ? setting.default.join(',') : String(setting.default)
    const help = `${setting.description} (env ${setting.env}, default ${shown})`
    if (typeof setting.default === 'boolean') {
      command.addOption(new Option(`--${setting.flag}`, help))
      command.addOption(new Option(`--no-${setting.flag}`).hideHelp())
      continue
    }
    const placeholder = setting.list ? '<list>' : '<value>'
    command.addOption(new Option(`--${setting.flag} ${placeholder}`, help))
  }
  return command
}
