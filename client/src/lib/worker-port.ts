// The part of a dedicated Worker that the page's worker clients use (the hash pool, the store
// worker's committer), so tests can hand in a fake that speaks the same messages.
export interface WorkerPort<Request> {
  onmessage: ((ev: MessageEvent) => void) | null
  onerror: ((ev: ErrorEvent) => void) | null
  onmessageerror: ((ev: MessageEvent) => void) | null
  postMessage(message: Request, transfer: Transferable[]): void
  terminate(): void
}
