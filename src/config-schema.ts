import { z } from 'zod';
import { MIN_COVERAGE } from './retrieve/coverage-gate.js';

const price = z.object({
  inputPer1k: z.number().nonnegative(),
  outputPer1k: z.number().nonnegative().default(0),
  cacheReadPer1k: z.number().nonnegative().optional(),
  cacheWritePer1k: z.number().nonnegative().optional(),
});

/**
 * kb.config.json's schema, the one source of truth for options and their defaults. The CLI imports it only when
 * there is a configuration to validate (zod is about 95 modules; see src/load-config-lazily.ts), and
 * src/config-defaults.ts holds what it gives for none, checked against it by test/config-defaults.test.ts.
 */
export const configSchema = z
  .object({
    /** Where the index lives. */
    kbDir: z.string().default('.kb'),
    store: z
      .object({
        /** postgres://… keeps the knowledge base in PostgreSQL with pgvector; unset, it is the SQLite file in kbDir. */
        url: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL').optional(),
        /**
         * TLS to the database: true verifies the server against Node's CAs; { caFile } against a bundle (for RDS
         * and Aurora, the region's certificate bundle from AWS). `sslmode` in the URL is honoured as pg reads it.
         */
        ssl: z.union([z.boolean(), z.object({ caFile: z.string(), rejectUnauthorized: z.boolean().default(true) }).strict()]).optional(),
        /** RDS / Aurora IAM authentication: each new connection signs a 15-minute token in this region with the AWS credentials. */
        iamAuth: z.object({ region: z.string().min(1) }).strict().optional(),
        /** Connections each process keeps in its pool. */
        maxConnections: z.number().int().min(1).max(200).default(8),
      })
      .default({ maxConnections: 8 }),
    /** Folders `kb index` (and the server's index job) read when none are given. */
    roots: z.array(z.string()).default([]),
    /**
     * More knowledge bases `kb serve` serves beside this one (which is the collection "default"), by name: each
     * with its own index (a kb dir, or a PostgreSQL database or schema by URL) and folders. Keys get a role per
     * collection (kb keys create --collection NAME).
     */
    collections: z
      .record(
        z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'collection names are 1-64 lowercase letters, digits, "-" or "_"').refine((n) => n !== 'default', '"default" is this configuration\'s own knowledge base'),
        z.strictObject({
          kbDir: z.string().min(1),
          roots: z.array(z.string()).default([]),
          /** postgres://… for this collection; unset, its SQLite file in kbDir. */
          storeUrl: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL').optional(),
          description: z.string().max(300).optional(),
        }),
      )
      .default({}),
    provider: z.enum(['local', 'bedrock']).default('local'),
    chunking: z
      .object({
        targetTokens: z.number().int().min(50).max(8000).default(400),
        overlapTokens: z.number().int().min(0).max(2000).default(60),
      })
      .default({ targetTokens: 400, overlapTokens: 60 }),
    ingest: z
      .object({
        maxFileBytes: z.number().int().positive().default(50 * 1024 * 1024),
        followSymlinks: z.boolean().default(false),
        /** Milliseconds one file may take to parse before it is reported and skipped. */
        fileTimeoutMs: z.number().int().positive().default(60_000),
        /** Bytes a zipped document (.docx) may unpack to; more is refused as a zip bomb. */
        maxInflatedBytes: z.number().int().positive().default(100 * 1024 * 1024),
        /** Heap limit of each document-parser thread, in MB; a file that needs more fails alone. */
        parserMemoryMb: z.number().int().min(64).default(1024),
      })
      .default({ maxFileBytes: 50 * 1024 * 1024, followSymlinks: false, fileTimeoutMs: 60_000, maxInflatedBytes: 100 * 1024 * 1024, parserMemoryMb: 1024 }),
    embedding: z
      .object({
        /** Defaults per provider: local-hash-v1, or amazon.titan-embed-text-v2:0 on Bedrock. */
        model: z.string().optional(),
        dimensions: z.number().int().positive().optional(),
        /** Most embedding requests in flight at once; adaptive concurrency climbs up to this. */
        maxConcurrency: z.number().int().min(1).max(256).default(16),
      })
      .default({ maxConcurrency: 16 }),
    retrieval: z
      .object({
        topK: z.number().int().min(1).max(100).default(6),
        /** Candidates taken from each of vector and keyword search before fusion. */
        candidates: z.number().int().min(1).max(1000).default(50),
        /** Fusion weights; unset means the value calibrated for the embedding provider. */
        vectorWeight: z.number().min(0).optional(),
        keywordWeight: z.number().min(0).optional(),
        /** Least IDF-weighted share of the question's terms a chunk must contain to be used as a source (calibrated: see MIN_COVERAGE). */
        minCoverage: z.number().min(0).max(1).default(MIN_COVERAGE),
        /** Bedrock Rerank of the fused top `topN`, of which the best topK are kept (provider bedrock only). */
        rerank: z
          .object({
            enabled: z.boolean().default(false),
            /** amazon.rerank-v1:0 or cohere.rerank-v3-5:0, or its foundation-model ARN. */
            model: z.string().default('amazon.rerank-v1:0'),
            /** Fused candidates sent to the reranker (each 100 is billed as one query). */
            topN: z.number().int().min(1).max(1000).default(50),
            /** Region to call Rerank in when bedrock.region does not offer it (Rerank is not in us-east-1). */
            region: z.string().optional(),
          })
          .default({ enabled: false, model: 'amazon.rerank-v1:0', topN: 50 }),
      })
      .default({ topK: 6, candidates: 50, minCoverage: MIN_COVERAGE, rerank: { enabled: false, model: 'amazon.rerank-v1:0', topN: 50 } }),
    answer: z
      .object({
        model: z.string().default('anthropic.claude-3-5-haiku-20241022-v1:0'),
        maxTokens: z.number().int().positive().default(1024),
        temperature: z.number().min(0).max(1).default(0.2),
        topP: z.number().min(0).max(1).optional(),
        topK: z.number().int().positive().optional(),
        stopSequences: z.array(z.string()).optional(),
        /** Tokens of context the model accepts; sources are packed to fit with maxTokens. */
        contextTokens: z.number().int().positive().default(200_000),
        /** Cap on source tokens per prompt, whatever the model could take (cost control). */
        maxSourceTokens: z.number().int().positive().default(6_000),
        /** A Bedrock guardrail on every answer (Converse guardrailConfig); `checkInput` also screens each question with ApplyGuardrail before retrieval. */
        guardrail: z
          .object({
            id: z.string().min(1),
            version: z.string().min(1),
            trace: z.enum(['enabled', 'enabled_full', 'disabled']).default('enabled'),
            checkInput: z.boolean().default(false),
          })
          .optional(),
        /** Converse cache points after the system prompt and the conversation's history, where the model supports it. */
        promptCaching: z.boolean().default(true),
        /** Replace emails, phones, card numbers, IPs, IBANs and SSNs by placeholders in all Bedrock is sent (chat and embeddings). */
        redactPii: z.boolean().default(false),
        /** Repeated questions answered from <kbDir>/answer-cache.sqlite, until the index changes or the TTL passes. */
        cache: z
          .object({
            enabled: z.boolean().default(false),
            ttlSeconds: z.number().int().positive().default(86_400),
            maxEntries: z.number().int().positive().default(1_000),
          })
          .default({ enabled: false, ttlSeconds: 86_400, maxEntries: 1_000 }),
      })
      .default({
        model: 'anthropic.claude-3-5-haiku-20241022-v1:0', maxTokens: 1024, temperature: 0.2, contextTokens: 200_000, maxSourceTokens: 6_000, promptCaching: true, redactPii: false,
        cache: { enabled: false, ttlSeconds: 86_400, maxEntries: 1_000 },
      }),
    bedrock: z
      .object({
        region: z.string().optional(),
        endpoint: z.string().url().optional(),
        profile: z.string().optional(),
        maxAttempts: z.number().int().min(1).max(20).default(6),
        /** Longest wait between retries of a model call (backoff doubles from 100 ms up to this, jittered). */
        maxBackoffMs: z.number().int().min(1).max(60_000).default(2_000),
        requestTimeoutMs: z.number().int().positive().default(60_000),
        /** Application inference-profile ARN -> the catalogue model it copies (for prices and limits). */
        applicationProfiles: z.record(z.string(), z.string()).default({}),
      })
      .default({ maxAttempts: 6, maxBackoffMs: 2_000, requestTimeoutMs: 60_000, applicationProfiles: {} }),
    /** USD per 1,000 tokens by model id; overrides the catalogue (src/models/model-catalog.ts). */
    prices: z.record(z.string(), price).default({}),
    server: z
      .object({
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(8080),
        /** API keys; `keySha256` is the hex SHA-256 of the key, so the config never holds the key itself. */
        apiKeys: z
          .array(z.object({ id: z.string(), role: z.enum(['reader', 'admin']), keySha256: z.string().regex(/^[0-9a-f]{64}$/) }))
          .default([]),
        corsOrigins: z.array(z.string()).default([]),
        rateLimitPerMinute: z.number().int().positive().default(120),
        maxConcurrentModelCalls: z.number().int().positive().default(8),
        maxBodyBytes: z.number().int().positive().default(64 * 1024),
        maxQuestionChars: z.number().int().positive().default(2000),
        /** What the audit log keeps of each question. */
        auditQuestions: z.enum(['hash', 'text']).default('hash'),
        logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
        /** cloudwatch-emf also writes CloudWatch Embedded Metric Format lines to stdout; GET /metrics stays Prometheus. */
        metrics: z.enum(['prometheus', 'cloudwatch-emf']).default('prometheus'),
        /** CloudWatch namespace of the EMF metrics. */
        emfNamespace: z.string().min(1).max(255).default('BedrockKb'),
      })
      .default({
        host: '127.0.0.1', port: 8080, apiKeys: [], corsOrigins: [], rateLimitPerMinute: 120, maxConcurrentModelCalls: 8,
        maxBodyBytes: 64 * 1024, maxQuestionChars: 2000, auditQuestions: 'hash', logLevel: 'info', metrics: 'prometheus', emfNamespace: 'BedrockKb',
      }),
  })
  .strict();

export type KbConfig = z.infer<typeof configSchema>;
