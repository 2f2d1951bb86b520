import { createHash } from 'node:crypto';
import { estimateTokens } from './estimate-tokens.js';

/** A prefix of a Converse body: the text before a block boundary, hashed, and its tokens. */
export interface CachePrefix {
  key: string;
  tokens: number;
}

/** An explicit cache point, and the earlier block boundaries a cache hit is also looked for at. */
export interface CachePoint extends CachePrefix {
  lookback: CachePrefix[];
}

export interface CacheUsage {
  cacheReadInputTokens: number;
  cacheWriteInputTokens: number;
}

/** Converse's default cache lifetime: five minutes from the last use. */
const TTL_MS = 5 * 60_000;
/** Anthropic's prompt caching looks for a hit this many blocks back from an explicit cache point. */
const LOOKBACK_BLOCKS = 20;

function prefix(texts: string[]): CachePrefix {
  const text = texts.join('\n');
  return { key: createHash('sha256').update(text).digest('hex'), tokens: estimateTokens(text) };
}

/**
 * The cache points a Converse body marks with `{ cachePoint: { type: 'default' } }` blocks, in order (system
 * blocks, then each message's content), each with the prefixes at the block boundaries before it.
 */
export function cachePrefixes(body: { system?: unknown; messages?: unknown }): CachePoint[] {
  const out: CachePoint[] = [];
  const seen: string[] = [];
  const walk = (blocks: unknown, role: string) => {
    if (!Array.isArray(blocks)) return;
    for (const block of blocks as Array<{ text?: unknown; cachePoint?: unknown }>) {
      if (block.cachePoint) {
        const lookback = Array.from({ length: Math.min(LOOKBACK_BLOCKS, seen.length - 1) }, (_, i) => prefix(seen.slice(0, seen.length - 1 - i)));
        out.push({ ...prefix(seen), lookback });
      } else if (typeof block.text === 'string') seen.push(`${role}:${block.text}`);
    }
  };
  walk(body.system, 'system');
  if (Array.isArray(body.messages)) for (const m of body.messages as Array<{ role?: unknown; content?: unknown }>) walk(m.content, String(m.role));
  return out;
}

/**
 * The emulator's prompt cache: a prefix at a cache point that reaches the model's minimum is written on first
 * use and read while it lives; the longest cached prefix (at a point, or up to 20 blocks before one) is read,
 * the rest up to the last point written.
 */
export function createPromptCache(now: () => number) {
  const entries = new Map<string, number>();
  return {
    use(points: CachePoint[], minTokens: number): CacheUsage {
      const t = now();
      const eligible = points.filter((p) => p.tokens >= minTokens);
      let read = 0;
      for (const p of eligible) for (const q of [p, ...p.lookback]) if ((entries.get(q.key) ?? 0) > t) read = Math.max(read, q.tokens);
      const longest = Math.max(0, ...eligible.map((p) => p.tokens));
      for (const p of eligible) entries.set(p.key, t + TTL_MS);
      return { cacheReadInputTokens: read, cacheWriteInputTokens: Math.max(0, longest - read) };
    },
    clear: () => entries.clear(),
  };
}

export type PromptCache = ReturnType<typeof createPromptCache>;
