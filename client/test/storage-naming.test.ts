import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ImportError, baseName, planTorrent, uniquePaths, withSuffix, type NamedFile } from '../src/lib/files/naming'

const file = (name: string, size = 10, webkitRelativePath = ''): NamedFile => ({ name, size, webkitRelativePath })

describe('planTorrent', () => {
  it('refuses an empty selection', () => {
    assert.throws(() => planTorrent([]), (e: unknown) => e instanceof ImportError && /no files were chosen/.test(e.message))
  })

  it('refuses a zero-byte file, naming it', () => {
    assert.throws(
      () => planTorrent([file('a.bin'), file('x.txt', 0)]),
      (e: unknown) => e instanceof ImportError && e.message === '"x.txt" is empty (0 bytes): there is nothing to share',
    )
  })

  it('names a single file torrent after the file', () => {
    assert.deepEqual(planTorrent([file('movie.mkv', 99)]), { name: 'movie.mkv', files: [{ source: 0, path: 'movie.mkv', length: 99 }] })
  })

  it('ignores the folder of a single file chosen through a folder', () => {
    assert.equal(planTorrent([file('a.txt', 5, 'dir/a.txt')]).name, 'a.txt')
  })

  it('names loose files after the first (sorted) one and sorts paths', () => {
    const plan = planTorrent([file('b.txt', 2), file('a.txt', 1), file('c.txt', 3)])
    assert.equal(plan.name, 'a.txt and 2 more')
    assert.deepEqual(
      plan.files.map((f) => [f.source, f.path, f.length]),
      [
        [1, 'a.txt', 1],
        [0, 'b.txt', 2],
        [2, 'c.txt', 3],
      ],
    )
  })

  it('names a folder drop after the common top folder, paths relative to it', () => {
    const plan = planTorrent([file('b.txt', 2, 'photos/2024/b.txt'), file('a.txt', 1, 'photos/a.txt')])
    assert.equal(plan.name, 'photos')
    assert.deepEqual(
      plan.files.map((f) => f.path),
      ['2024/b.txt', 'a.txt'],
    )
  })

  it('keeps full relative paths when the top folders differ', () => {
    const plan = planTorrent([file('a.txt', 1, 'one/a.txt'), file('b.txt', 1, 'two/b.txt')])
    assert.equal(plan.name, 'a.txt and 1 more')
    assert.deepEqual(
      plan.files.map((f) => f.path),
      ['one/a.txt', 'two/b.txt'],
    )
  })

  it('makes duplicate names unique and is deterministic', () => {
    const a = planTorrent([file('x.txt', 1), file('X.txt', 2), file('x.txt', 3)])
    assert.deepEqual(
      a.files.map((f) => f.path),
      ['X.txt', 'x (2).txt', 'x (3).txt'],
    )
    assert.deepEqual(new Set(a.files.map((f) => f.source)), new Set([0, 1, 2]))
  })

  it('replaces backslashes, which torrents may not hold', () => {
    assert.equal(planTorrent([file('a\\b.txt')]).name, 'a_b.txt')
  })
})

describe('uniquePaths', () => {
  it('leaves distinct paths alone', () => {
    assert.deepEqual(uniquePaths(['a', 'b/c', 'b/d']), ['a', 'b/c', 'b/d'])
  })

  it('suffixes later duplicates without taking an existing name', () => {
    assert.deepEqual(uniquePaths(['a.txt', 'a.txt', 'a (2).txt']), ['a.txt', 'a (3).txt', 'a (2).txt'])
  })

  it('renames a file that collides with a folder of another', () => {
    assert.deepEqual(uniquePaths(['docs', 'docs/readme']), ['docs (2)', 'docs/readme'])
  })
})

describe('withSuffix / baseName', () => {
  it('inserts the number before the extension', () => {
    assert.equal(withSuffix('dir/name.tar.gz', 2), 'dir/name.tar (2).gz')
    assert.equal(withSuffix('.env', 3), '.env (3)')
    assert.equal(withSuffix('README', 2), 'README (2)')
  })

  it('takes the last segment', () => {
    assert.equal(baseName('a/b/c.txt'), 'c.txt')
    assert.equal(baseName('c.txt'), 'c.txt')
  })
})
