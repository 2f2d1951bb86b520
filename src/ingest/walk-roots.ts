import { stat } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import { type SkippedFile, type WalkedFile, type WalkOptions, walkFiles } from './walk-files.js';

/**
 * Walks every root in turn and gathers the files and skips into two lists. Results are appended one by one,
 * never spread into a call: `push(...files)` passes each file as an argument and overflows the stack on a
 * folder of about 125,000 files. Throws a UsageError naming the first root that is not a folder.
 */
export async function walkRoots(
  roots: readonly string[],
  options: WalkOptions,
  onRoot?: (walkedSoFar: number) => void,
): Promise<{ files: WalkedFile[]; skipped: SkippedFile[] }> {
  const files: WalkedFile[] = [];
  const skipped: SkippedFile[] = [];
  for (const root of roots) {
    const s = await stat(root).catch(() => undefined);
    if (!s?.isDirectory()) throw new UsageError(`${root} is not a folder. Pass folders to index (e.g. kb index ./docs).`);
    const walked = await walkFiles(root, options);
    appendAll(files, walked.files);
    appendAll(skipped, walked.skipped);
    onRoot?.(files.length);
  }
  return { files, skipped };
}

/** `target.push(...items)` without passing every item as a call argument. */
export function appendAll<T>(target: T[], items: readonly T[]): void {
  for (const item of items) target.push(item);
}
