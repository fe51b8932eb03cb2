// bittorrent-tracker's WebSocket server on 127.0.0.1, as WebTorrent's tracker. Imported from
// 'bittorrent-tracker/server' (the package root loads a native module that is not built here).
export interface WtTracker {
  wsUrl: string
  close(): Promise<void>
}

export async function startWtTracker(): Promise<WtTracker> {
  const spec: string = 'bittorrent-tracker/server'
  const { default: Server } = (await import(spec)) as { default: new (opts: object) => any }
  const server = new Server({ udp: false, http: false, ws: true, stats: false })
  server.on('error', (err: Error) => console.error(`  bittorrent-tracker error: ${err.message}`))
  server.on('warning', () => {})
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const { port } = server.ws.address() as { port: number }
  return {
    wsUrl: `ws://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
