import { linkSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LockedError } from '../errors.js';

/** Lock files this process holds: a lock naming our own pid that we do not hold is a stale one (a restarted container reuses pids). */
const held = new Set<string>();

/**
 * One writer per knowledge base: `index.lock` holds the writer's pid. It is created by linking a complete temp
 * file into place (atomic, and never empty); a lock whose pid is dead is taken over by renaming it away first, so
 * two processes cannot both take over the same stale lock.
 */
export async function acquireIndexLock(kbDir: string, { wait = false, signal }: { wait?: boolean; signal?: AbortSignal } = {}): Promise<() => void> {
  const path = join(kbDir, 'index.lock');
  for (;;) {
    const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}`;
    writeFileSync(tmp, String(process.pid));
    try {
      linkSync(tmp, path);
      held.add(path);
      return () => release(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      rmSync(tmp, { force: true });
    }
    const content = readFileSafe(path);
    const holder = Number(content);
    if (isStale(path, content, holder)) {
      takeOver(path, content);
      continue;
    }
    if (!wait) throw new LockedError(`lock ${path}`, holder);
    await sleep(250, undefined, { signal });
  }
}

/** The pid holding the lock, if a live process does. */
export function lockHolder(kbDir: string): number | undefined {
  const path = join(kbDir, 'index.lock');
  const content = readFileSafe(path);
  const pid = Number(content);
  return content && !isStale(path, content, pid) ? pid : undefined;
}

function isStale(path: string, content: string, holder: number): boolean {
  if (!content) return ageMs(path) > 5_000; // only a pre-link lock could be empty; give it time
  if (!Number.isInteger(holder) || holder <= 0) return true;
  if (holder === process.pid) return !held.has(path);
  return !isAlive(holder);
}

function takeOver(path: string, staleContent: string): void {
  const grave = `${path}.stale.${process.pid}.${Math.random().toString(36).slice(2)}`;
  try {
    renameSync(path, grave);
  } catch {
    return; // someone else moved it first; try again from the top
  }
  // Between our read and the rename another process may have taken over and linked a live lock: put it back.
  if (readFileSafe(grave) !== staleContent) {
    try {
      linkSync(grave, path);
    } catch {
      /* a third process holds the lock now; its lock stands */
    }
  }
  rmSync(grave, { force: true });
}

function release(path: string): void {
  held.delete(path);
  if (readFileSafe(path) === String(process.pid)) rmSync(path, { force: true });
}

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return Infinity;
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
