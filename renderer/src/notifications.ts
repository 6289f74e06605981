// Desktop notifications through the browser's Notification API, which Electron's renderer also
// implements (shown by the OS; electron/security.ts grants only this permission, only to the app).
import type { EventMessage } from '../../src/api/contract.ts'

/** The title and body for an event worth interrupting the user for, or null. */
export function notificationFor(message: EventMessage): { title: string; body: string } | null {
  switch (message.event) {
    case 'torrent.done':
      return { title: 'Download finished', body: message.payload.name }
    case 'torrent.refused':
      return { title: 'Torrent refused', body: `${message.payload.source}: ${message.payload.reason}` }
    case 'ban.created':
      return { title: 'Peer banned', body: `${message.payload.address}: ${message.payload.reason}` }
    default:
      return null
  }
}

export function notificationsAvailable(): boolean {
  return typeof Notification !== 'undefined'
}

/** Ask once, when the user turns notifications on (browsers require a user gesture for it). */
export async function askPermission(): Promise<NotificationPermission> {
  if (!notificationsAvailable()) return 'denied'
  return Notification.permission === 'default' ? Notification.requestPermission() : Notification.permission
}

export function notify(message: EventMessage, enabled: boolean): void {
  if (!enabled || !notificationsAvailable() || Notification.permission !== 'granted') return
  const content = notificationFor(message)
  if (content) new Notification(content.title, { body: content.body, tag: `${message.event}` })
}
