import { lstat, readdir, readFile, realpath, stat } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { formatOf } from './loaders/load-document.js';

export interface WalkedFile {
  absPath: string;
  /** Display path: the root's folder name, then the path inside it, with POSIX separators. */
  path: string;
  root: string;
  /** The root's real path: what the reader checks the opened file against. */
  rootReal: string;
  size: number;
  mtimeMs: number;
}

export interface SkippedFile {
  path: string;
  reason: string;
}

export interface WalkOptions {
  maxFileBytes: number;
  followSymlinks: boolean;
}

const SKIP_DIRS = new Set(['node_modules', '.git', '.kb', '.svn', '.hg', '__pycache__']);

/**
 * Every indexable file under `root`, honouring `.kbignore` (gitignore syntax) at the root, skipping hidden
 * folders, node_modules, unsupported types and files over the size limit, each skip with its reason.
 * Symlinks are skipped unless `followSymlinks`, and even then never leave the root or loop.
 */
export async function walkFiles(root: string, { maxFileBytes, followSymlinks }: WalkOptions): Promise<{ files: WalkedFile[]; skipped: SkippedFile[] }> {
  const files: WalkedFile[] = [];
  const skipped: SkippedFile[] = [];
  const rootReal = await realpath(root);
  const ig = await loadIgnore(root);
  const seenDirs = new Set<string>([rootReal]);
  const display = (abs: string) => [basename(root), ...relative(root, abs).split(sep)].join('/');

  const visit = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      skipped.push({ path: display(dir), reason: `folder cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` });
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    // One directory's file stats in parallel: one thread-pool round trip per folder instead of per file.
    const stats = new Map(
      await Promise.all(
        entries.filter((e) => e.isFile() && formatOf(e.name)).map(async (e) => [e.name, await lstat(join(dir, e.name)).catch(() => undefined)] as const),
      ),
    );
    for (const entry of entries) {
      const abs = join(dir, entry.name);
      const rel = relative(root, abs).split(sep).join('/');
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        if (!followSymlinks) {
          skipped.push({ path: display(abs), reason: 'symbolic link (set ingest.followSymlinks to follow links inside the root)' });
          continue;
        }
        let target: string;
        try {
          target = await realpath(abs);
        } catch {
          skipped.push({ path: display(abs), reason: 'broken symbolic link' });
          continue;
        }
        if (target !== rootReal && !target.startsWith(rootReal + sep)) {
          skipped.push({ path: display(abs), reason: 'symbolic link points outside the indexed folder' });
          continue;
        }
        const s = await stat(abs);
        isDir = s.isDirectory();
        isFile = s.isFile();
        if (isDir && seenDirs.has(target)) {
          skipped.push({ path: display(abs), reason: 'symbolic link loop' });
          continue;
        }
        if (isDir) seenDirs.add(target);
      }
      if (isDir) {
        if (SKIP_DIRS.has(entry.name) || entry.name.startsWith('.')) {
          skipped.push({ path: display(abs), reason: entry.name === 'node_modules' ? 'node_modules folder' : entry.name.startsWith('.') ? 'hidden folder' : 'version-control or index folder' });
          continue;
        }
        if (ig.ignores(`${rel}/`)) {
          skipped.push({ path: display(abs), reason: 'ignored by .kbignore' });
          continue;
        }
        await visit(abs);
        continue;
      }
      // Not a folder: a file, or a pipe, socket or device with a document's name. Those go on to the reader,
      // which refuses them with a reason: it must check the opened file anyway (the walk's view can be stale).
      if (entry.name === '.kbignore') continue;
      if (entry.name.startsWith('.')) {
        skipped.push({ path: display(abs), reason: 'hidden file' });
        continue;
      }
      if (ig.ignores(rel)) {
        skipped.push({ path: display(abs), reason: 'ignored by .kbignore' });
        continue;
      }
      if (!formatOf(entry.name)) {
        skipped.push({ path: display(abs), reason: 'unsupported file type' });
        continue;
      }
      const s = await (stats.get(entry.name) ? Promise.resolve(stats.get(entry.name)!) : lstat(abs))
        .then((l) => (l.isSymbolicLink() ? stat(abs) : l))
        .catch((error: NodeJS.ErrnoException) => {
          if (error.code === 'ENOENT') return undefined; // deleted while we scanned: it is simply not there
          throw error;
        });
      if (!s) continue;
      if (s.size > maxFileBytes) {
        skipped.push({ path: display(abs), reason: `larger than the ${Math.round(maxFileBytes / 1048576)} MB limit (ingest.maxFileBytes)` });
        continue;
      }
      files.push({ absPath: abs, path: display(abs), root, rootReal, size: s.size, mtimeMs: Math.floor(s.mtimeMs) });
    }
  };
  await visit(root);
  return { files, skipped };
}

async function loadIgnore(root: string): Promise<Ignore> {
  const ig = ignore();
  try {
    ig.add(await readFile(join(root, '.kbignore'), 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return ig;
}
