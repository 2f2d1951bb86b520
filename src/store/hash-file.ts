import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';

/** Default read step: large enough to be fast, small enough that a multi-GiB index is never one buffer. */
export const HASH_STEP_BYTES = 8 * 1024 * 1024;

/**
 * Size and SHA-256 (hex) of a file, read in steps of `stepBytes` into one reused buffer. Reading the file whole
 * fails past 2 GiB (Node's buffer limit for readFileSync), which a 1024-d index reaches at about 510,000 chunks.
 */
export function hashFile(path: string, stepBytes = HASH_STEP_BYTES): { bytes: number; sha256: string } {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(stepBytes);
  const fd = openSync(path, 'r');
  let bytes = 0;
  try {
    for (;;) {
      const n = readSync(fd, buffer, 0, stepBytes, bytes);
      if (n === 0) break;
      hash.update(buffer.subarray(0, n));
      bytes += n;
    }
  } finally {
    closeSync(fd);
  }
  return { bytes, sha256: hash.digest('hex') };
}
