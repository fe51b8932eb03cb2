/** The V8 flags for `mode` from signal-tracker/node-flags.json (node-flags.mjs). */
export function trackerNodeFlags(file: string, mode: 'memory' | 'cluster'): string[]
