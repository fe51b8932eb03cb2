// Issue 10, point 5: choosing the files of a multi-file torrent (file-select). Unchosen files
// are not fetched, the choice survives a reload, unchecking every file pauses and says why.
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { expect, expectComplete, makeRandomFile, saveAndHash, shareFiles, test, torrentOf, waitForState } from './fixtures'
import { exportTorrentFile, fileSelect, numberAttr, saveButton } from './share-helpers'

const MiB = 1024 * 1024

test('an unchecked 12 MiB file is not downloaded while the other two complete; the choice survives a reload; unchecking all pauses', async ({ peer, tmpDir }) => {
  const small1 = await makeRandomFile(tmpDir, 'a-notes.bin', 1 * MiB + 333)
  const big = await makeRandomFile(tmpDir, 'b-movie.bin', 12 * MiB)
  const small2 = await makeRandomFile(tmpDir, 'c-photo.bin', 700 * 1024 + 1)
  const seeder = await peer('seeder')
  const { infohash } = await shareFiles(seeder.page, [small1, big, small2].map((f) => f.path))
  const name = (await torrentOf(seeder.page, infohash).getAttribute('data-name'))!
  // The friend gets the .torrent while the seeder is paused, so the files can be chosen before
  // any piece moves (a magnet would start fetching the moment its metadata arrived).
  const exported = await exportTorrentFile(seeder.page, infohash)
  const torrentPath = path.join(tmpDir, exported.name)
  await writeFile(torrentPath, exported.bytes)
  const seederRow = torrentOf(seeder.page, infohash)
  await seederRow.getByRole('button', { name: 'Pause' }).click()
  await expect(seederRow).toHaveAttribute('data-state', 'paused')

  const friend = await peer('friend')
  await friend.page.getByTestId('torrent-input').setInputFiles(torrentPath)
  const row = torrentOf(friend.page, infohash)
  await expect(row).toHaveAttribute('data-name', name)
  await expect(fileSelect(friend.page, infohash, big.name)).toBeChecked()
  await fileSelect(friend.page, infohash, big.name).uncheck()
  await expect(fileSelect(friend.page, infohash, big.name)).not.toBeChecked()
  await seederRow.getByRole('button', { name: 'Resume' }).click()

  // Seeding once the chosen files are complete: it seeds what it has.
  await waitForState(friend.page, infohash, 'seeding', 120_000)
  await expectComplete(row)
  for (const f of [small1, small2]) expect(await saveAndHash(friend.page, infohash, f.name), f.name).toBe(f.sha256)
  await expect(saveButton(friend.page, infohash, big.name)).toBeDisabled()
  // Only the pieces the chosen files touch moved: at most one piece on each side of the big
  // file beyond the chosen bytes (pieces are 64 KiB here), nowhere near its 12 MiB.
  const chosen = small1.size + small2.size
  expect(await numberAttr(row, 'data-downloaded')).toBeLessThan(chosen + 1 * MiB)

  await friend.page.reload()
  await expect(row).toHaveAttribute('data-state', 'seeding')
  await expect(fileSelect(friend.page, infohash, big.name)).not.toBeChecked()
  await expect(fileSelect(friend.page, infohash, small1.name)).toBeChecked()
  await expect(fileSelect(friend.page, infohash, small2.name)).toBeChecked()
  await expect(saveButton(friend.page, infohash, big.name)).toBeDisabled()
  await expectComplete(row)

  await fileSelect(friend.page, infohash, small1.name).uncheck()
  await fileSelect(friend.page, infohash, small2.name).uncheck()
  await expect(row).toHaveAttribute('data-state', 'paused')
  await expect(row.getByTestId('torrent-error')).toContainText('Every file is unchecked')
  await expect(saveButton(friend.page, infohash, small1.name)).toBeDisabled()

  // Checking a file again resumes: the big one now downloads, and saves identical.
  await fileSelect(friend.page, infohash, big.name).check()
  await waitForState(friend.page, infohash, 'seeding', 120_000)
  await expect(row.getByTestId('torrent-error')).toHaveCount(0)
  expect(await saveAndHash(friend.page, infohash, big.name)).toBe(big.sha256)
  await expect(saveButton(friend.page, infohash, small1.name)).toBeDisabled()
})
