// The BitTorrent peer wire as spoken over one ordered, reliable data channel (DESIGN.md):
// BEP 3 framing and messages, BEP 10 extension handshake, BEP 9 ut_metadata. The code is split
// by layer; import everything from here.
export * from './wire-message'
export * from './wire-decoder'
export * from './wire-extension'
