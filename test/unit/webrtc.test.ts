import { describe, expect, it } from 'vitest'
import WebTorrent from 'webtorrent'

describe('WebTorrent install', () => {
  it('loads with WebRTC support through the local webrtc-polyfill override', async () => {
    expect(WebTorrent.WEBRTC_SUPPORT).toBe(true)
    const polyfill = await import('webrtc-polyfill')
    expect(typeof polyfill.RTCPeerConnection).toBe('function')
  })

  it('runs on Node 24, the major Electron 45 embeds', () => {
    expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(24)
  })
})
