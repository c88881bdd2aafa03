const number = new Intl.NumberFormat('en', { maximumFractionDigits: 1 })
const integer = new Intl.NumberFormat('en', { maximumFractionDigits: 0 })
const time = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' })
const dateTime = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'medium' })

export const formatRate = (rate: number | null) => (rate === null ? '–' : number.format(rate))
export const formatInteger = (value: number) => integer.format(value)
export const formatTemperature = (value: number) => `${number.format(value)} °C`
export const formatTime = (iso: string | number) => time.format(new Date(iso))
export const formatDateTime = (iso: string | number) => dateTime.format(new Date(iso))

/** "12 s ago", "3 min ago": how old a reading is, for a person scanning a list. */
export function formatAge(iso: string, nowMs = Date.now()): string {
  const seconds = Math.max(0, Math.round((nowMs - Date.parse(iso)) / 1000))
  if (seconds < 60) return `${seconds} s ago`
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`
  if (seconds < 86_400) return `${Math.round(seconds / 3600)} h ago`
  return `${Math.round(seconds / 86_400)} d ago`
}
