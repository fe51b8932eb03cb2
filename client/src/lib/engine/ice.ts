// ICE servers come from our own tracker (/api/ice, env ICE_SERVERS there), never from a
// built-in list: with none configured, host candidates only, which is right for a LAN.

let cached: Promise<RTCIceServer[]> | null = null

export function decodeIceServers(raw: unknown): RTCIceServer[] {
  if (typeof raw !== 'object' || raw === null) throw new Error('ICE configuration is not an object')
  const list = (raw as { iceServers?: unknown }).iceServers
  if (!Array.isArray(list)) throw new Error('ICE configuration has no iceServers array')
  return list.map((entry: unknown, i) => {
    if (typeof entry !== 'object' || entry === null) throw new Error(`ICE server ${i} is not an object`)
    const e = entry as Record<string, unknown>
    const urls = e.urls
    const okUrls = typeof urls === 'string' || (Array.isArray(urls) && urls.every((u) => typeof u === 'string'))
    if (!okUrls) throw new Error(`ICE server ${i} has no urls`)
    const server: RTCIceServer = { urls: urls as string | string[] }
    if (typeof e.username === 'string') server.username = e.username
    if (typeof e.credential === 'string') server.credential = e.credential
    return server
  })
}

export function iceServers(): Promise<RTCIceServer[]> {
  if (!cached) {
    cached = fetch('/api/ice')
      .then((r) => (r.ok ? r.json() : { iceServers: [] }))
      .then(decodeIceServers)
      .catch((err: unknown) => {
        console.warn('[tabswarm] no ICE configuration from the server, using host candidates only:', err)
        cached = null
        return []
      })
  }
  return cached
}
