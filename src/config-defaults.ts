import type { KbConfig } from './config-schema.js';
import { MIN_COVERAGE } from './retrieve/coverage-gate.js';

/**
 * What configSchema gives for an empty configuration, key for key and in its order, as a fresh object: the CLI's
 * configuration when nothing is set, without loading zod. test/config-defaults.test.ts fails when this and the
 * schema disagree (its message prints the object to paste here).
 */
export function configDefaults(): KbConfig {
  return {
    kbDir: '.kb',
    store: { maxConnections: 8 },
    roots: [],
    collections: {},
    provider: 'local',
    chunking: { targetTokens: 400, overlapTokens: 60 },
    ingest: { maxFileBytes: 52428800, followSymlinks: false, fileTimeoutMs: 60000, maxInflatedBytes: 104857600, parserMemoryMb: 1024 },
    embedding: { maxConcurrency: 16 },
    retrieval: { topK: 6, candidates: 50, minCoverage: MIN_COVERAGE, rerank: { enabled: false, model: 'amazon.rerank-v1:0', topN: 50 } },
    answer: {
      model: 'anthropic.claude-3-5-haiku-20241022-v1:0', maxTokens: 1024, temperature: 0.2, contextTokens: 200000, maxSourceTokens: 6000,
      promptCaching: true, redactPii: false, cache: { enabled: false, ttlSeconds: 86400, maxEntries: 1000 },
    },
    bedrock: { maxAttempts: 6, maxBackoffMs: 2000, requestTimeoutMs: 60000, applicationProfiles: {} },
    prices: {},
    server: {
      host: '127.0.0.1', port: 8080, apiKeys: [], corsOrigins: [], rateLimitPerMinute: 120, maxConcurrentModelCalls: 8, maxBodyBytes: 65536,
      maxQuestionChars: 2000, auditQuestions: 'hash', logLevel: 'info', metrics: 'prometheus', emfNamespace: 'BedrockKb',
    },
  };
}
