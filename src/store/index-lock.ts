import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LockedError } from '../errors.js';

/**
 * One writer per knowledge base: a lock file created with O_EXCL holding the writer's pid. A lock whose pid is
 * no longer alive (a crashed writer) is taken over.
 */
export async function acquireIndexLock(kbDir: string, { wait = false, signal }: { wait?: boolean; signal?: AbortSignal } = {}): Promise<() => void> {
  const path = join(kbDir, 'index.lock');
  for (;;) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number(readFileSafe(path));
    if (!holder || !isAlive(holder)) {
      rmSync(path, { force: true }); // stale: its writer died
      continue;
    }
    if (!wait) throw new LockedError(path, holder);
    await sleep(250, undefined, { signal });
  }
}

/** The pid holding the lock, if a live process does. */
export function lockHolder(kbDir: string): number | undefined {
  const pid = Number(readFileSafe(join(kbDir, 'index.lock')));
  return pid && isAlive(pid) ? pid : undefined;
}

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
