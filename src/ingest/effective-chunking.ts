import type { LoadedConfig } from '../config.js';
import type { ChunkingOptions } from './chunk-document.js';

/**
 * The chunk settings a run uses: those chosen in config, env or a flag, otherwise the ones the knowledge base was
 * last built with, otherwise the defaults. So `kb index --chunk-tokens 800` once, then a plain `kb index`, keeps
 * 800 instead of silently re-chunking (and, on Bedrock, re-embedding) everything at the default.
 */
export function effectiveChunking(config: Pick<LoadedConfig, 'chunking' | 'chosen'>, recorded: string | undefined): ChunkingOptions {
  if (config.chosen.chunking || !recorded) return config.chunking;
  try {
    const saved = JSON.parse(recorded) as Partial<ChunkingOptions>;
    if (Number.isInteger(saved.targetTokens) && Number.isInteger(saved.overlapTokens)) {
      return { targetTokens: saved.targetTokens!, overlapTokens: saved.overlapTokens! };
    }
  } catch {
    // A damaged meta value falls back to the configuration, which is what the kb would be rebuilt with anyway.
  }
  return config.chunking;
}
