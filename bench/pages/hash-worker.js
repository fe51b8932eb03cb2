self.onmessage = async (ev) => {
  const { id, buffer } = ev.data
  const digest = await crypto.subtle.digest('SHA-1', buffer)
  self.postMessage({ id, digest, buffer }, [buffer, digest])
}
