// Just enough typing for the WebTorrent reference libraries the tests compare against.
declare module 'create-torrent' {
  type Input = Uint8Array | Uint8Array[]
  interface Options {
    name?: string
    pieceLength?: number
    announceList?: string[][]
    filterJunkFiles?: boolean
  }
  export default function createTorrent(input: Input, opts: Options, cb: (err: Error | null, torrent: Uint8Array) => void): void
}

declare module 'parse-torrent' {
  interface Parsed {
    infoHash: string
    name?: string
    announce: string[]
    xl?: string
    info?: any
    pieces?: any
    length?: number
    files?: any
  }
  export default function parseTorrent(id: string | Uint8Array): Promise<Parsed & Record<string, any>>
}
