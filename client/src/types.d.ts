// simple-peer's package root pulls Node built-ins (stream, buffer, process) that Vite does not
// polyfill; its standalone browser bundle carries its own, so we import that and borrow the
// types of the package root.
declare module 'simple-peer/simplepeer.min.js' {
  import SimplePeer from 'simple-peer'
  export default SimplePeer
}
