import { compileGlob, type Glob } from './compile-glob.js';

/** Compiled globs kept for reuse; bounded, since every request may bring a new pattern. */
const MAX_CACHED = 500;
const cache = new Map<string, Glob>();

/**
 * Whether a stored document path (`<root folder name>/<path inside it>`) matches a glob. The pattern is tried
 * against the path inside the indexed folder (`*.txt`, `hr/**`) and against the whole stored path
 * (`docs/hr/**`), so both the way users think of their files and the paths the API returns work.
 */
export function matchDocumentGlob(pattern: string, storedPath: string): boolean {
  const glob = cachedGlob(pattern);
  const slash = storedPath.indexOf('/');
  return glob.test(storedPath) || (slash >= 0 && glob.test(storedPath.slice(slash + 1)));
}

function cachedGlob(pattern: string): Glob {
  let glob = cache.get(pattern);
  if (glob) {
    // Least recently used goes first: a hit moves the pattern to the end of the Map's insertion order.
    cache.delete(pattern);
  } else {
    glob = compileGlob(pattern);
    if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
  }
  cache.set(pattern, glob);
  return glob;
}

/** For tests: how many compiled globs are held, and the bound. */
export const globCacheStats = () => ({ size: cache.size, max: MAX_CACHED });
