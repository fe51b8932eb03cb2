// The one alias for code shared by the client and the tracker: client code imports
// `@shared/pieces` instead of `../../../../shared/pieces`. Declared here for every Vite build
// (the app, its service worker, the bench's hash page) and in tsconfig.json's `paths` for the
// type checker, tsx and Playwright.
import { fileURLToPath } from 'node:url'

export const sharedAlias = { '@shared': fileURLToPath(new URL('../../shared', import.meta.url)) }
