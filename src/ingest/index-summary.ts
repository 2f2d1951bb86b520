import type { EmbedStats } from './embed-texts.js';

export interface IndexSummary {
  roots: string[];
  dryRun: boolean;
  files: { seen: number; new: number; changed: number; unchanged: number; deleted: number; copied: number; failed: number; skipped: number };
  chunks: { added: number; removed: number; embedded: number; reused: number };
  embeddingModel: string;
  /** Tokens sent to the embedding model (estimated offline and in dry runs). */
  embeddingTokens: number;
  estimatedCostUsd?: number;
  failures: Array<{ path: string; reason: string }>;
  skipped: Array<{ path: string; reason: string }>;
  warnings: Array<{ path: string; message: string }>;
  /** In a dry run: the files that would change, by kind. */
  plan?: { new: string[]; changed: string[]; deleted: string[] };
  embedStats: EmbedStats;
  durationMs: number;
  /** Set when the run stopped before the end (abort, or the model service failing for good). */
  stoppedEarly?: string;
}

export function emptySummary(roots: string[], dryRun: boolean, embeddingModel: string): IndexSummary {
  return {
    roots, dryRun, embeddingModel, embeddingTokens: 0, failures: [], skipped: [], warnings: [], durationMs: 0,
    files: { seen: 0, new: 0, changed: 0, unchanged: 0, deleted: 0, copied: 0, failed: 0, skipped: 0 },
    chunks: { added: 0, removed: 0, embedded: 0, reused: 0 },
    embedStats: { calls: 0, retries: 0, throttles: 0, peakConcurrency: 0, inputTokens: 0 },
  };
}
