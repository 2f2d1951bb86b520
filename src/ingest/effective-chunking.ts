import type { LoadedConfig } from '../config.js';
import type { ChunkingOptions } from './chunk-document.js';

/**
 * The chunk settings a run uses: those chosen in config, env or a flag, otherwise the ones the knowledge base was
 * last built with, otherwise the defaults. So `kb index --chunk-tokens 800` once, then a plain `kb index`, keeps
 * 800 instead of silently re-chunking (and, on Bedrock, re-embedding) everything at the default.
 */
export function effectiveChunking(config: Pick<LoadedConfig, 'chunking' | 'chosen'>, recorded: ChunkingOptions | undefined): ChunkingOptions {
  return config.chosen.chunking || !recorded ? config.chunking : recorded;
}
