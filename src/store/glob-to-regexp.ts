import { UsageError } from '../errors.js';

/**
 * Shell-style glob to RegExp: `**` crosses folders, `*` and `?` do not, `{a,b}` alternates.
 * Hand-written because SQLite's GLOB lets `*` cross `/`, and a 25-line function beats a dependency here.
 */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  let depth = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        const slash = glob[i + 2] === '/';
        re += slash ? '(?:.*/)?' : '.*';
        i += slash ? 2 : 1;
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '{') {
      depth++;
      re += '(?:';
    } else if (c === '}' && depth > 0) {
      depth--;
      re += ')';
    } else if (c === ',' && depth > 0) re += '|';
    else re += c.replace(/[.+^$()|[\]\\]/g, '\\$&');
  }
  if (depth !== 0) throw new UsageError(`The path glob "${glob}" has an unbalanced "{" (--glob / filters.pathGlob).`);
  return new RegExp(`^${re}$`);
}
