import { closeSync, constants, fstatSync, openSync, readlinkSync, readSync, realpathSync, statSync, type Stats } from 'node:fs';
import { sep } from 'node:path';
import { LoadError } from '../errors.js';
import type { WalkedFile } from './walk-files.js';

export interface ReadOptions {
  maxFileBytes: number;
  followSymlinks: boolean;
}

/**
 * Reads a file found by the walk, checking what was opened rather than what the walk saw: the file may have
 * been swapped since (for a symlink to a secret, a FIFO that would block the read, a bigger file). Without
 * followSymlinks the open refuses a link (O_NOFOLLOW); either way the opened file must be a regular file whose
 * real path is inside the root. Synchronous: for files of a few KB the thread-pool round trips of async
 * reads cost more than the read (bench:ingest).
 */
export function readWalkedFile(file: WalkedFile, { maxFileBytes, followSymlinks }: ReadOptions): Buffer {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO would otherwise wait for a writer forever; it changes nothing for regular files.
    fd = openSync(file.absPath, constants.O_RDONLY | constants.O_NONBLOCK | (followSymlinks ? 0 : constants.O_NOFOLLOW));
  } catch (error) {
    throw openFailure(file.path, error as NodeJS.ErrnoException, followSymlinks);
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw new LoadError(file.path, `cannot be read: not a regular file (${kindOf(stats)}); not indexed`, { code: 'UNREADABLE' });
    const real = realPathOf(fd, file.absPath, stats);
    if (real !== file.rootReal && !real.startsWith(file.rootReal + sep)) {
      throw new LoadError(file.path, 'resolves to a file outside the indexed folder (it was swapped after the scan?); not read', { code: 'OUTSIDE_ROOT' });
    }
    if (stats.size > maxFileBytes) {
      throw new LoadError(file.path, `larger than the ${Math.round(maxFileBytes / 1048576)} MB limit (ingest.maxFileBytes)`, { code: 'TOO_LARGE' });
    }
    const data = Buffer.allocUnsafe(stats.size);
    let filled = 0;
    while (filled < data.length) {
      const n = readSync(fd, data, filled, data.length - filled, filled);
      if (n === 0) break; // shrank while we read: index what is there, the next run sees the new size
      filled += n;
    }
    return filled === data.length ? data : data.subarray(0, filled);
  } catch (error) {
    if (error instanceof LoadError) throw error;
    throw new LoadError(file.path, `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, { code: 'UNREADABLE', cause: error });
  } finally {
    closeSync(fd);
  }
}

/** Where the opened file really is: the kernel's own answer on Linux, else realpath checked against the fd. */
function realPathOf(fd: number, absPath: string, opened: Stats): string {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    const real = realpathSync(absPath);
    const now = statSync(real);
    if (now.ino !== opened.ino || now.dev !== opened.dev) return '(swapped while being opened)';
    return real;
  }
}

function openFailure(path: string, error: NodeJS.ErrnoException, followSymlinks: boolean): LoadError {
  if (error.code === 'ELOOP' && !followSymlinks) {
    return new LoadError(path, 'is a symbolic link now (it was swapped after the scan); links are not followed (ingest.followSymlinks)', { code: 'SYMLINK', cause: error });
  }
  if (error.code === 'EACCES' || error.code === 'EPERM') return new LoadError(path, 'cannot be read: permission denied; check its permissions', { code: 'UNREADABLE', cause: error });
  if (error.code === 'ENXIO') return new LoadError(path, 'cannot be read: not a regular file (a socket); not indexed', { code: 'UNREADABLE', cause: error });
  if (error.code === 'ENOENT') return new LoadError(path, 'cannot be read: it was deleted after the scan', { code: 'UNREADABLE', cause: error });
  return new LoadError(path, `cannot be read (${error.code ?? error.message})`, { code: 'UNREADABLE', cause: error });
}

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a folder';
  if (stats.isFIFO()) return 'a named pipe';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  return 'not a file';
}
