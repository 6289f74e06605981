// Keeps the state in step with the back end: a full refresh whenever the connection opens, then
// events as actions; lists that change with every block are polled while their screen is shown.
import { useCallback, useEffect, type RefObject } from 'react'
import type { EventMessage } from '../../../src/api/contract.ts'
import { refreshBans, refreshPeers, refreshPublishers, type Dispatch } from '../actions.ts'
import type { Api } from '../api.ts'
import type { Action, Screen } from '../state.ts'

export function eventToAction(message: EventMessage): Action | null {
  switch (message.event) {
    case 'torrent.updated':
      return { type: 'torrent-updated', torrent: message.payload }
    case 'torrent.removed':
      return { type: 'torrent-removed', infoHash: message.payload.infoHash }
    case 'torrent.done':
      return { type: 'notice', level: 'info', message: `Finished ${message.payload.name}` }
    case 'torrent.refused':
      return { type: 'refused', refusal: message.payload }
    case 'notice':
      // Warnings (tracker hiccups, failed pieces) show up in the chart and views, not as toasts.
      return message.payload.level === 'error'
        ? { type: 'notice', level: 'error', message: message.payload.message }
        : null
    case 'stats.sample':
      return { type: 'sample', sample: message.payload }
    case 'ban.created':
      return {
        type: 'notice',
        level: 'warning',
        message: `Banned ${message.payload.address}: ${message.payload.reason}${message.payload.connectionsClosed ? `, ${message.payload.connectionsClosed} connections closed` : ''}`,
      }
    case 'settings.changed':
      return { type: 'settings', settings: message.payload }
    case 'bans.changed':
    case 'trust.changed':
      return null
    default:
      return null
  }
}

/** Screens whose rows change with every block, refreshed every POLL_MS while shown. */
const POLLED: Partial<Record<Screen, (api: Api, dispatch: Dispatch) => Promise<void>>> = {
  peers: refreshPeers,
}
const POLL_MS = 2000

export function useBackend(
  api: Api,
  dispatch: Dispatch,
  screen: Screen,
  options: { onEvent?: RefObject<((message: EventMessage) => void) | null> } = {},
): void {
  const refresh = useCallback(async () => {
    const [info, torrents, samples, settings] = await Promise.all([
      api.call('app.info', {}),
      api.call('torrents.list', {}),
      api.call('stats.history', {}),
      api.call('settings.get', {}),
    ])
    dispatch({ type: 'info', info })
    dispatch({ type: 'settings', settings })
    dispatch({ type: 'torrents', torrents })
    dispatch({ type: 'samples', samples })
    await Promise.all([
      refreshPublishers(api, dispatch),
      refreshBans(api, dispatch),
      refreshPeers(api, dispatch),
    ])
  }, [api, dispatch])

  const onEvent = options.onEvent
  useEffect(() => {
    const offEvents = api.onEvent((message) => {
      const action = eventToAction(message)
      if (action) dispatch(action)
      onEvent?.current?.(message)
      if (message.event === 'ban.created' || message.event === 'bans.changed') void refreshBans(api, dispatch)
      if (message.event === 'trust.changed') void refreshPublishers(api, dispatch)
    })
    const offConnection = api.onConnection((connection) => {
      dispatch({ type: 'connection', state: connection })
      if (connection === 'open') void refresh().catch(() => undefined)
    })
    return () => {
      offEvents()
      offConnection()
    }
  }, [api, dispatch, refresh, onEvent])

  useEffect(() => {
    const poll = POLLED[screen]
    if (!poll) return
    void poll(api, dispatch).catch(() => undefined)
    const timer = setInterval(() => void poll(api, dispatch).catch(() => undefined), POLL_MS)
    return () => clearInterval(timer)
  }, [api, dispatch, screen])
}
