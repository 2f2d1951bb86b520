import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach } from 'vitest';

const made: string[] = [];
afterEach(() => {
  while (made.length) rmSync(made.pop()!, { recursive: true, force: true });
});

/** A fresh temporary folder removed after the test. */
export function tempDir(prefix = 'kb-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export const DATA_DIR = resolve(import.meta.dirname, '..', 'data');

/** A temporary copy of the sample data, so tests can edit it. Returns the copy's `data` folder. */
export function copyOfData(): string {
  const dir = join(tempDir(), 'data');
  cpSync(DATA_DIR, dir, { recursive: true });
  return dir;
}
