import { createHash } from 'node:crypto';
import { estimateTokens } from './estimate-tokens.js';

/** A cache point of a Converse body: the text before it, hashed, and its tokens. */
export interface CachePrefix {
  key: string;
  tokens: number;
}

export interface CacheUsage {
  cacheReadInputTokens: number;
  cacheWriteInputTokens: number;
}

/** Converse's default cache lifetime: five minutes from the last use. */
const TTL_MS = 5 * 60_000;

/**
 * The prefixes a Converse body marks with `{ cachePoint: { type: 'default' } }` blocks, in order: the system
 * blocks, then each message's content, up to each point.
 */
export function cachePrefixes(body: { system?: unknown; messages?: unknown }): CachePrefix[] {
  const out: CachePrefix[] = [];
  const seen: string[] = [];
  const walk = (blocks: unknown, role: string) => {
    if (!Array.isArray(blocks)) return;
    for (const block of blocks as Array<{ text?: unknown; cachePoint?: unknown }>) {
      if (block.cachePoint) {
        const text = seen.join('\n');
        out.push({ key: createHash('sha256').update(text).digest('hex'), tokens: estimateTokens(text) });
      } else if (typeof block.text === 'string') seen.push(`${role}:${block.text}`);
    }
  };
  walk(body.system, 'system');
  if (Array.isArray(body.messages)) for (const m of body.messages as Array<{ role?: unknown; content?: unknown }>) walk(m.content, String(m.role));
  return out;
}

/**
 * The emulator's prompt cache: a prefix at a cache point that reaches the model's minimum is written on first
 * use and read while it lives; the longest cached prefix is read, the rest up to the last point written.
 */
export function createPromptCache(now: () => number) {
  const entries = new Map<string, number>();
  return {
    use(prefixes: CachePrefix[], minTokens: number): CacheUsage {
      const t = now();
      const eligible = prefixes.filter((p) => p.tokens >= minTokens);
      let read = 0;
      for (const p of eligible) if ((entries.get(p.key) ?? 0) > t) read = Math.max(read, p.tokens);
      const longest = Math.max(0, ...eligible.map((p) => p.tokens));
      for (const p of eligible) entries.set(p.key, t + TTL_MS);
      return { cacheReadInputTokens: read, cacheWriteInputTokens: Math.max(0, longest - read) };
    },
    clear: () => entries.clear(),
  };
}

export type PromptCache = ReturnType<typeof createPromptCache>;
