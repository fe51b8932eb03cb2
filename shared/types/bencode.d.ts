// bencode v4 ships no types. Only what shared/bencode.ts uses is declared; everything else goes
// through that wrapper, which validates input before the library sees it.
declare module 'bencode' {
  interface Decode {
    (data: Uint8Array): unknown
    /** Offset just past the last value parsed by the latest decode() call. */
    position: number
  }
  interface Encode {
    (data: unknown): Uint8Array
  }
  const bencode: { encode: Encode; decode: Decode; byteLength(value: unknown): number }
  export default bencode
}
