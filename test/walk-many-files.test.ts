import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { walkRoots } from '../src/ingest/walk-roots.js';

// 200,000 files in one folder: past the ~125,000 where `walked.push(...files)` overflowed the stack.
const COUNT = 200_000;
let base: string;
let folder: string;

beforeAll(() => {
  base = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'kb-walk-many-'));
  folder = join(base, 'notes');
  mkdirSync(folder);
  for (let i = 0; i < COUNT; i++) writeFileSync(join(folder, `n${i}.md`), 'x');
}, 300_000);

afterAll(() => {
  if (base) rmSync(base, { recursive: true, force: true });
});

describe('walking a folder of 200,000 files', () => {
  it('returns every file without a stack overflow', async () => {
    const { files, skipped } = await walkRoots([folder], { maxFileBytes: 1 << 20, followSymlinks: false });
    expect(files).toHaveLength(COUNT);
    expect(skipped).toHaveLength(0);
    expect(new Set(files.map((f) => f.path)).size).toBe(COUNT);
    expect(files[0]!.path.startsWith('notes/')).toBe(true);
  }, 300_000);
});
