import { join } from 'node:path';

/** Where `kb keys` and the server keep keys: beside the index until server-wide config names a place. */
export function keyStorePaths(kbDir: string): { file: string; secretFile: string } {
  return { file: join(kbDir, 'keys.json'), secretFile: join(kbDir, 'keys.secret') };
}
