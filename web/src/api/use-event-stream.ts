import { useEffect, useRef, useState } from 'react'

export type StreamState = 'connecting' | 'live' | 'reconnecting'

/**
 * Listens to one event of a server-sent events URL while the component is shown. The browser's
 * EventSource reconnects on its own after a drop; the state says whether data is flowing.
 */
export function useEventStream<T>(url: string | null, event: string, onData: (data: T) => void): StreamState {
  const [state, setState] = useState<StreamState>('connecting')
  const handler = useRef(onData)
  handler.current = onData
  useEffect(() => {
    if (url === null) return
    setState('connecting')
    const source = new EventSource(url, { withCredentials: true })
    source.addEventListener(event, (message) => {
      setState('live')
      handler.current(JSON.parse((message as MessageEvent<string>).data) as T)
    })
    source.addEventListener('open', () => setState('live'))
    source.addEventListener('error', () => setState('reconnecting'))
    return () => source.close()
  }, [url, event])
  return state
}
