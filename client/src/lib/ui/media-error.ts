// Turns a media element's error into a sentence for the user. The element only says "network"
// or "not supported" (a 404 looks like "not supported" too), so the stream URL is asked once more
// for the worker's own message.

export async function explainMediaError(error: MediaError | null, src: string, path: string): Promise<string> {
  let answer: Response | null = null
  try {
    answer = await fetch(src, { headers: { Range: 'bytes=0-0' } })
  } catch {
    answer = null
  }
  if (answer && !answer.ok) {
    const text = await answer.text().catch(() => '')
    return `Cannot stream "${path}": ${text.trim() || `HTTP ${answer.status}`}`
  }
  await answer?.body?.cancel().catch(() => {})
  if (error && (error.code === MediaError.MEDIA_ERR_SRC_NOT_SUPPORTED || error.code === MediaError.MEDIA_ERR_DECODE)) {
    return `This browser cannot play "${path}" (its format or codec is not supported). The download goes on, and Save works once it is complete.`
  }
  return `Playback of "${path}" stopped: ${error?.message || 'the stream broke off'}.`
}
