import { lstatSync, type Stats } from 'node:fs';
import { lstat, readdir, readFile, realpath, stat } from 'node:fs/promises';
import { basename, join, sep } from 'node:path';
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

/** Files stat'ed between yields to the event loop. */
const STAT_SLICE = 512;
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
  const ignores = ig.rules ? (rel: string) => ig.matcher.ignores(rel) : () => false;
  const seenDirs = new Set<string>([rootReal]);
  const rootName = basename(root);
  // Paths inside the root are built as the walk descends (no path.relative per file: it dominated large folders).
  const display = (rel: string) => (rel ? `${rootName}/${rel}` : rootName);

  const visit = async (dir: string, relDir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      skipped.push({ path: display(relDir), reason: `folder cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` });
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    // Stats of a directory's documents, synchronously in slices: a promise per file cost more than the stat
    // itself on large folders, and yielding between slices keeps the event loop responsive on huge ones.
    const stats = new Map<string, Stats | undefined>();
    const documents = entries.filter((e) => e.isFile() && formatOf(e.name));
    for (let i = 0; i < documents.length; i += STAT_SLICE) {
      if (i) await new Promise((resolve) => setImmediate(resolve));
      for (const e of documents.slice(i, i + STAT_SLICE)) stats.set(e.name, statOrUndefined(join(dir, e.name)));
    }
    for (const entry of entries) {
      const abs = join(dir, entry.name);
      const rel = relDir ? `${relDir}/${entry.name}` : entry.name;
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        if (!followSymlinks) {
          skipped.push({ path: display(rel), reason: 'symbolic link (set ingest.followSymlinks to follow links inside the root)' });
          continue;
        }
        let target: string;
        try {
          target = await realpath(abs);
        } catch {
          skipped.push({ path: display(rel), reason: 'broken symbolic link' });
          continue;
        }
        if (target !== rootReal && !target.startsWith(rootReal + sep)) {
          skipped.push({ path: display(rel), reason: 'symbolic link points outside the indexed folder' });
          continue;
        }
        const s = await stat(abs);
        isDir = s.isDirectory();
        isFile = s.isFile();
        if (isDir && seenDirs.has(target)) {
          skipped.push({ path: display(rel), reason: 'symbolic link loop' });
          continue;
        }
        if (isDir) seenDirs.add(target);
      }
      if (isDir) {
        if (SKIP_DIRS.has(entry.name) || entry.name.startsWith('.')) {
          skipped.push({ path: display(rel), reason: entry.name === 'node_modules' ? 'node_modules folder' : entry.name.startsWith('.') ? 'hidden folder' : 'version-control or index folder' });
          continue;
        }
        if (ignores(`${rel}/`)) {
          skipped.push({ path: display(rel), reason: 'ignored by .kbignore' });
          continue;
        }
        await visit(abs, rel);
        continue;
      }
      // Not a folder: a file, or a pipe, socket or device with a document's name. Those go on to the reader,
      // which refuses them with a reason: it must check the opened file anyway (the walk's view can be stale).
      if (entry.name === '.kbignore') continue;
      if (entry.name.startsWith('.')) {
        skipped.push({ path: display(rel), reason: 'hidden file' });
        continue;
      }
      if (ignores(rel)) {
        skipped.push({ path: display(rel), reason: 'ignored by .kbignore' });
        continue;
      }
      if (!formatOf(entry.name)) {
        skipped.push({ path: display(rel), reason: 'unsupported file type' });
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
        skipped.push({ path: display(rel), reason: `larger than the ${Math.round(maxFileBytes / 1048576)} MB limit (ingest.maxFileBytes)` });
        continue;
      }
      files.push({ absPath: abs, path: display(rel), root, rootReal, size: s.size, mtimeMs: Math.floor(s.mtimeMs) });
    }
  };
  await visit(root, '');
  return { files, skipped };
}

/** lstat, or undefined on any error: the per-file path below stats it again and reports what went wrong. */
function statOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

/** The root's .kbignore rules, and whether it has any (without, no path is matched at all). */
async function loadIgnore(root: string): Promise<{ matcher: Ignore; rules: boolean }> {
  const matcher = ignore();
  try {
    const text = await readFile(join(root, '.kbignore'), 'utf8');
    matcher.add(text);
    return { matcher, rules: /^\s*[^#\s]/m.test(text) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    return { matcher, rules: false };
  }
}
