import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { LockedError } from '../src/errors.js';
import { acquireIndexLock, lockHolder } from '../src/store/index-lock.js';
import { tempDir } from './temp-dir.js';

describe('index lock', () => {
  test('takes over a lock left by a dead process, and by a restarted process that got our pid', async () => {
    const dir = tempDir();
    const lock = join(dir, 'index.lock');
    writeFileSync(lock, '999999999'); // no such pid
    const release = await acquireIndexLock(dir);
    expect(readFileSync(lock, 'utf8')).toBe(String(process.pid));
    release();
    expect(existsSync(lock)).toBe(false);

    writeFileSync(lock, String(process.pid)); // a previous run in a container with the same pid, killed
    const again = await acquireIndexLock(dir);
    expect(lockHolder(dir)).toBe(process.pid);
    again();
  });

  test('a live holder is named; the lock we hold is not ours to steal twice; release leaves a foreign lock alone', async () => {
    const dir = tempDir();
    const lock = join(dir, 'index.lock');
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    try {
      writeFileSync(lock, String(child.pid));
      const error = await acquireIndexLock(dir).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LockedError);
      expect((error as LockedError).holderPid).toBe(child.pid);
      expect((error as Error).message).toContain(`pid ${child.pid}`);
    } finally {
      child.kill();
    }
    writeFileSync(lock, '999999999');
    const release = await acquireIndexLock(dir);
    await expect(acquireIndexLock(dir)).rejects.toBeInstanceOf(LockedError); // held by us: not stale
    writeFileSync(lock, '424242'); // someone replaced it (should not happen); release must not delete it
    release();
    expect(readFileSync(lock, 'utf8')).toBe('424242');
  });
});
