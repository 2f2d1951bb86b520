import { UsageError } from '../errors.js';

/** Caps that keep one filter cheap whatever its shape: matching costs O(path × pattern × alternatives). */
export const GLOB_LIMITS = { maxChars: 256, maxWildcards: 32, maxAlternatives: 64 } as const;

type Token = { kind: 'char'; char: string } | { kind: 'one' } | { kind: 'star' } | { kind: 'globstar' } | { kind: 'globstarSlash' };

/** A compiled glob: `test(path)` runs in time linear in the path (no backtracking, unlike a RegExp). */
export interface Glob {
  test(path: string): boolean;
}

/**
 * Shell-style glob: `**` crosses folders, `*` and `?` do not, `{a,b}` alternates (nesting allowed), anything else
 * is literal. Matched by simulating the pattern as a set of states per character, so `*?*?*?…Z` cannot stall the
 * process as a backtracking RegExp did (134 s for one request). Throws UsageError naming --glob / filters.pathGlob.
 */
export function compileGlob(pattern: string): Glob {
  const problem = globProblem(pattern);
  if (problem) throw new UsageError(`The path glob is refused (--glob / filters.pathGlob): ${problem}`);
  const alternatives = expandBraces(pattern).map(tokenize);
  return { test: (path) => alternatives.some((tokens) => matchTokens(tokens, path)) };
}

/** Why a pattern is refused, or undefined when it compiles; for schemas that report the field themselves. */
export function globProblem(pattern: string): string | undefined {
  if (pattern.length > GLOB_LIMITS.maxChars) return `it is ${pattern.length} characters long; the limit is ${GLOB_LIMITS.maxChars}.`;
  const wildcards = (pattern.match(/[*?]/g) ?? []).length;
  if (wildcards > GLOB_LIMITS.maxWildcards) return `it has ${wildcards} wildcards (* and ?); the limit is ${GLOB_LIMITS.maxWildcards}.`;
  try {
    expandBraces(pattern);
  } catch (error) {
    return (error as Error).message;
  }
  return undefined;
}

function expandBraces(pattern: string): string[] {
  const out: string[] = [];
  const expand = (s: string): void => {
    const open = s.indexOf('{');
    if (open < 0) {
      out.push(s);
      if (out.length > GLOB_LIMITS.maxAlternatives) throw new Error(`its {…} alternatives expand to more than ${GLOB_LIMITS.maxAlternatives} patterns.`);
      return;
    }
    const options: string[] = [];
    let depth = 0;
    let start = open + 1;
    for (let i = open; i < s.length; i++) {
      const c = s[i];
      if (c === '{') depth++;
      else if (c === ',' && depth === 1) {
        options.push(s.slice(start, i));
        start = i + 1;
      } else if (c === '}' && --depth === 0) {
        options.push(s.slice(start, i));
        for (const option of options) expand(s.slice(0, open) + option + s.slice(i + 1));
        return;
      }
    }
    throw new Error(`it has an unbalanced "{" (close it with "}", e.g. "{hr,it}/*.md").`);
  };
  expand(pattern);
  return out;
}

function tokenize(pattern: string): Token[] {
  const tokens: Token[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      const slash = pattern[i + 2] === '/';
      tokens.push({ kind: slash ? 'globstarSlash' : 'globstar' });
      i += slash ? 2 : 1;
    } else if (c === '*') tokens.push({ kind: 'star' });
    else if (c === '?') tokens.push({ kind: 'one' });
    else tokens.push({ kind: 'char', char: c });
  }
  return tokens;
}

/** State i means "tokens before i matched"; each path character moves every live state at once. */
function matchTokens(tokens: Token[], path: string): boolean {
  const m = tokens.length;
  let live = new Uint8Array(m + 1);
  let next = new Uint8Array(m + 1);
  const close = (states: Uint8Array) => {
    // Wildcards may match nothing: a live wildcard state also makes the state after it live.
    for (let i = 0; i < m; i++) if (states[i] && tokens[i]!.kind !== 'char' && tokens[i]!.kind !== 'one') states[i + 1] = 1;
  };
  live[0] = 1;
  close(live);
  for (const c of path) {
    next.fill(0);
    let any = false;
    for (let i = 0; i < m; i++) {
      if (!live[i]) continue;
      const t = tokens[i]!;
      if (t.kind === 'char') {
        if (t.char === c) next[i + 1] = 1;
      } else if (t.kind === 'one') {
        if (c !== '/') next[i + 1] = 1;
      } else if (t.kind === 'star') {
        if (c !== '/') next[i] = 1;
      } else {
        next[i] = 1;
        if (t.kind === 'globstarSlash' && c === '/') next[i + 1] = 1;
      }
      any = true;
    }
    if (!any) return false;
    close(next);
    [live, next] = [next, live];
  }
  return live[m] === 1;
}

/**
 * The same glob as an anchored regular expression source, for engines that match in SQL (PostgreSQL's `~`,
 * whose engine does not backtrack on patterns without back-references). Throws like compileGlob.
 */
export function globRegexSource(pattern: string): string {
  const problem = globProblem(pattern);
  if (problem) throw new UsageError(`The path glob is refused (--glob / filters.pathGlob): ${problem}`);
  const part = (tokens: Token[]) =>
    tokens
      .map((t) => {
        if (t.kind === 'char') return t.char.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
        if (t.kind === 'one') return '[^/]';
        if (t.kind === 'star') return '[^/]*';
        if (t.kind === 'globstar') return '.*';
        return '(.*/)?';
      })
      .join('');
  return `^(${expandBraces(pattern).map((p) => part(tokenize(p))).join('|')})$`;
}
