// The link a page was opened with: `/#<magnet>` (share links), `/?magnet=<magnet>` (the magnet
// protocol handler), or `/?url=…` / `/?text=…` (the manifest's share target, where a phone puts
// whatever the user shared: a bare magnet, an app link `<origin>/#<magnet>`, or text holding one).
// Returns a magnet URI to open, or null; parsing the magnet itself is the engine's job.

const MAGNET_IN_TEXT = /magnet:\?[^\s"'<>]+/i

export function launchLink(href: string): string | null {
  let url: URL
  try {
    url = new URL(href)
  } catch {
    return null
  }
  // `/#magnet:?…` is a magnet as written: decoding it would turn an encoded `&` in `dn` into a
  // parameter break. Only a fragment encoded as a whole (`/#magnet%3A%3F…`) is decoded first.
  const raw = url.hash.slice(1)
  const fromHash = /^magnet:/i.test(raw) ? raw : decodeSafe(raw)
  if (/^magnet:/i.test(fromHash)) return fromHash
  for (const key of ['magnet', 'url', 'text', 'title']) {
    const v = url.searchParams.get(key)
    const found = v ? magnetIn(v) : null
    if (found) return found
  }
  return null
}

/** A magnet in shared text: bare, inside an app link's fragment (maybe still %-encoded), or in prose. */
export function magnetIn(text: string): string | null {
  const t = text.trim()
  if (/^magnet:/i.test(t)) return t
  const hashAt = t.indexOf('#')
  if (hashAt >= 0) {
    const frag = decodeSafe(t.slice(hashAt + 1))
    if (/^magnet:/i.test(frag)) return frag.split(/\s/)[0]!
  }
  const m = MAGNET_IN_TEXT.exec(t) ?? MAGNET_IN_TEXT.exec(decodeSafe(t))
  return m ? m[0] : null
}

/** The query keys launchLink reads, to drop from the address bar once the link is opened. */
export const LAUNCH_PARAMS = ['magnet', 'url', 'text', 'title'] as const

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s)
  } catch {
    return s
  }
}
