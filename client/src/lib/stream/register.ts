// Registers /sw.js on every load of the app (the page's manifest relies on it for installability
// too) and tells the player when the page is controlled, i.e. when /stream/ URLs work.

const NO_WORKER =
  'This page cannot stream: service workers need https or localhost. The download goes on, and Save works once the file is complete.'

export function registerServiceWorker(): void {
  if (!('serviceWorker' in navigator)) return
  navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch((err: unknown) => {
    console.warn('[tabswarm] the service worker could not be registered; files will not stream:', err)
  })
}

/** Resolves once the worker controls this page; rejects with a message for the user. */
export async function streamingReady(timeoutMs = 15_000): Promise<void> {
  if (!('serviceWorker' in navigator)) throw new Error(NO_WORKER)
  const sw = navigator.serviceWorker
  if (sw.controller) return
  // The worker's activate handler claims open pages, so the first visit gets controlled soon.
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      sw.removeEventListener('controllerchange', onChange)
      reject(new Error('The streaming service worker did not start. Reload the page (a forced reload bypasses it) and press Play again.'))
    }, timeoutMs)
    const onChange = (): void => {
      if (!sw.controller) return
      clearTimeout(timer)
      sw.removeEventListener('controllerchange', onChange)
      resolve()
    }
    sw.addEventListener('controllerchange', onChange)
  })
}
