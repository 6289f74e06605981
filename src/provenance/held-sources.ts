/**
 * What a held magnet may contact. Until the provenance gate approves a magnet, it talks only to
 * what is needed to get its metadata from peers: the swarm (trackers in `tr`, the DHT when on,
 * peers in `x.pe`). Nothing named in `xs` (an HTTP URL WebTorrent would fetch for the metadata), `as`
 * or `ws` (web seeds) is contacted: any web page can hand Vouch a magnet (it is the `magnet:`
 * handler), and those are URLs of the page's choosing. Web seeds are added back once approved.
 */

const HELD_BACK = /^(xs|as|ws)(\.\d+)?$/i

export interface HeldMagnet {
  /** The magnet without `xs`, `as` and `ws`. */
  magnet: string
  /** The http(s) web seeds (`ws`, `as`) held back, to add once the torrent is approved. */
  webSeeds: string[]
}

/** Pure: split the parameters a held torrent may not use off a magnet URI. */
export function holdBackSources(uri: string): HeldMagnet {
  const query = uri.indexOf('?')
  if (query < 0) return { magnet: uri, webSeeds: [] }
  const kept: string[] = []
  const webSeeds: string[] = []
  for (const parameter of uri.slice(query + 1).split('&')) {
    const key = parameter.split('=', 1)[0] ?? ''
    if (!HELD_BACK.test(key)) {
      kept.push(parameter)
      continue
    }
    if (/^xs/i.test(key)) continue
    let value: string
    try {
      value = decodeURIComponent(parameter.slice(key.length + 1).replace(/\+/g, ' '))
    } catch {
      continue
    }
    if (/^https?:\/\//i.test(value)) webSeeds.push(value)
  }
  return { magnet: `${uri.slice(0, query + 1)}${kept.join('&')}`, webSeeds }
}
