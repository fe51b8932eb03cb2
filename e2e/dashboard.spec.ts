// The tracker's dashboard and file list show what tabs share.
import { expect, makeRandomFile, shareFiles, test } from './fixtures'

/** Tolerant read of one entry of GET /api/files: an array, or {files: [...]}. */
function findFile(body: unknown, infohash: string): Record<string, unknown> | undefined {
  const list = Array.isArray(body) ? body : (body as { files?: unknown })?.files
  if (!Array.isArray(list)) throw new Error(`GET /api/files: expected a list, got ${JSON.stringify(body).slice(0, 300)}`)
  return (list as Record<string, unknown>[]).find((f) => {
    const ih = f.infoHash ?? f.info_hash ?? f.infohash
    return typeof ih === 'string' && ih.toLowerCase() === infohash
  })
}

test('a shared file appears on /dashboard and in GET /api/files with one seeder', async ({ peer, tmpDir, request }) => {
  const file = await makeRandomFile(tmpDir, `dashboard-${Date.now()}.bin`, 100 * 1024 + 1)
  const seeder = await peer('seeder')
  const { infohash } = await shareFiles(seeder.page, [file.path])

  let entry: Record<string, unknown> | undefined
  await expect
    .poll(
      async () => {
        const res = await request.get('/api/files')
        expect(res.status()).toBe(200)
        entry = findFile(await res.json(), infohash)
        return entry?.seeders
      },
      { message: 'GET /api/files lists the file with 1 seeder', timeout: 20_000 },
    )
    .toBe(1)
  expect(entry?.name).toBe(file.name)
  expect(entry?.size).toBe(file.size)

  const admin = await peer('admin', { path: '/dashboard' })
  const row = admin.page.locator(`[data-testid="dashboard-file"][data-infohash="${infohash}"]`)
  await expect(row).toHaveCount(1)
  await expect(row).toContainText(file.name)
})
