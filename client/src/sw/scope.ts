// The project compiles against the DOM lib, not WebWorker (the two clash in one program), so the
// few service-worker globals we use are typed here, as the spec has them.

export interface ExtendableEventLike extends Event {
  waitUntil(promise: Promise<unknown>): void
}

export interface FetchEventLike extends ExtendableEventLike {
  readonly request: Request
  respondWith(response: Response | Promise<Response>): void
}

export interface ServiceWorkerScope {
  addEventListener(type: 'install' | 'activate', listener: (ev: ExtendableEventLike) => void): void
  addEventListener(type: 'fetch', listener: (ev: FetchEventLike) => void): void
  readonly clients: { claim(): Promise<void> }
  readonly location: Location
}

export const scope = self as unknown as ServiceWorkerScope
