// The hardening suite (hardening-suite.ts) against the in-memory tracker.

import { hardeningSuite } from './hardening-suite'
import { startTracker } from './helpers'

hardeningSuite('hardening', startTracker)
