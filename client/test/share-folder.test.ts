import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { folderSelection, walkEntries, type EntryLike } from '../src/lib/files/folder'
import { ImportError, planTorrent } from '../src/lib/files/naming'

// A fake of the File and Directory Entries API: directories hand out their children in
// batches of two, as Chromium hands out batches of 100, until an empty batch.
function fileEntry(fullPath: string, size: number): EntryLike {
  const name = fullPath.slice(fullPath.lastIndexOf('/') + 1)
  return { isFile: true, isDirectory: false, name, fullPath, file: (ok: (f: File) => void) => ok(new File([new Uint8Array(size)], name)) } as EntryLike
}
function dirEntry(fullPath: string, children: EntryLike[]): EntryLike {
  const name = fullPath.slice(fullPath.lastIndexOf('/') + 1)
  return {
    isFile: false,
    isDirectory: true,
    name,
    fullPath,
    createReader() {
      let at = 0
      return { readEntries: (ok: (e: EntryLike[]) => void) => setTimeout(() => ok(children.slice(at, (at += 2)))) }
    },
  } as EntryLike
}

describe('folders', () => {
  it('walks subfolders and keeps paths below the dropped folder', async () => {
    const tree = dirEntry('/album', [
      fileEntry('/album/a.bin', 3),
      dirEntry('/album/sub', [fileEntry('/album/sub/b.bin', 4), dirEntry('/album/sub/deeper', [fileEntry('/album/sub/deeper/c.txt', 5)])]),
      fileEntry('/album/d.bin', 6),
      fileEntry('/album/e.bin', 7),
    ])
    const files = await walkEntries([tree])
    assert.deepEqual(files.map((f) => f.webkitRelativePath), ['album/a.bin', 'album/sub/b.bin', 'album/sub/deeper/c.txt', 'album/d.bin', 'album/e.bin'])
    const plan = planTorrent(files)
    assert.equal(plan.name, 'album')
    assert.deepEqual(plan.files.map((f) => f.path), ['a.bin', 'd.bin', 'e.bin', 'sub/b.bin', 'sub/deeper/c.txt'])
  })

  it('a failing read names the file', async () => {
    const bad = { isFile: true, isDirectory: false, name: 'x', fullPath: '/d/x', file: (_ok: unknown, fail: (e: unknown) => void) => fail(new Error('gone')) } as EntryLike
    await assert.rejects(walkEntries([dirEntry('/d', [bad])]), (e: unknown) => e instanceof ImportError && /"\/d\/x" could not be read: gone/.test(e.message))
  })

  it('leaves out empty files and refuses a folder with nothing to share', async () => {
    const files = await walkEntries([dirEntry('/f', [fileEntry('/f/keep', 1), fileEntry('/f/.gitkeep', 0)])])
    const sel = folderSelection(files)
    assert.deepEqual(sel.files.map((f) => f.webkitRelativePath), ['f/keep'])
    assert.equal(sel.skipped, 1)
    const empties = await walkEntries([dirEntry('/e', [fileEntry('/e/a', 0), dirEntry('/e/s', [fileEntry('/e/s/b', 0)])])])
    assert.throws(() => folderSelection(empties), /The folder "e" holds only empty files/)
    assert.throws(() => folderSelection([], 'nothing'), /The folder "nothing" is empty/)
    assert.throws(() => folderSelection([]), /^ImportError: The folder is empty/)
  })
})
