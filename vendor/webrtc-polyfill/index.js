// WebTorrent imports RTCPeerConnection & co. from 'webrtc-polyfill', whose real
// package pulls node-datachannel (a binary downloaded at install time). @roamhq/wrtc
// ships its binary inside the registry package, so we re-export it instead.
import wrtc from '@roamhq/wrtc'

export const RTCPeerConnection = wrtc.RTCPeerConnection
export const RTCSessionDescription = wrtc.RTCSessionDescription
export const RTCIceCandidate = wrtc.RTCIceCandidate
export default wrtc
