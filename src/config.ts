import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError } from './errors.js';
import { MIN_COVERAGE } from './retrieve/coverage-gate.js';
import { modelPrice } from './models/model-price.js';
import { checkRerankConfig } from './models/resolve-rerank-model.js';

const price = z.object({
  inputPer1k: z.number().nonnegative(),
  outputPer1k: z.number().nonnegative().default(0),
  cacheReadPer1k: z.number().nonnegative().optional(),
  cacheWritePer1k: z.number().nonnegative().optional(),
});

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

/** Env vars and the config path they set. The only reader of process.env is loadConfig. */
const ENV: Array<[string, string, (v: string) => unknown]> = [
  ['KB_DIR', 'kbDir', String],
  ['KB_DATABASE_URL', 'store.url', String],
  ['KB_DATABASE_SSL', 'store.ssl', (v) => v === 'true' || v === '1' || (v === 'false' || v === '0' ? false : { caFile: v })],
  ['KB_DATABASE_IAM_REGION', 'store.iamAuth.region', String],
  ['KB_PROVIDER', 'provider', String],
  ['KB_ROOTS', 'roots', (v) => v.split(',').filter(Boolean)],
  ['KB_CHUNK_TOKENS', 'chunking.targetTokens', Number],
  ['KB_CHUNK_OVERLAP_TOKENS', 'chunking.overlapTokens', Number],
  ['KB_EMBEDDING_MODEL', 'embedding.model', String],
  ['KB_EMBEDDING_DIMENSIONS', 'embedding.dimensions', Number],
  ['KB_EMBEDDING_CONCURRENCY', 'embedding.maxConcurrency', Number],
  ['KB_TOP_K', 'retrieval.topK', Number],
  ['KB_VECTOR_WEIGHT', 'retrieval.vectorWeight', Number],
  ['KB_KEYWORD_WEIGHT', 'retrieval.keywordWeight', Number],
  ['KB_MIN_COVERAGE', 'retrieval.minCoverage', Number],
  ['KB_RERANK', 'retrieval.rerank.enabled', parseBoolean],
  ['KB_RERANK_MODEL', 'retrieval.rerank.model', String],
  ['KB_RERANK_TOP_N', 'retrieval.rerank.topN', Number],
  ['KB_RERANK_REGION', 'retrieval.rerank.region', String],
  ['KB_CHAT_MODEL', 'answer.model', String],
  ['KB_MAX_TOKENS', 'answer.maxTokens', Number],
  ['KB_TEMPERATURE', 'answer.temperature', Number],
  ['KB_PROMPT_CACHING', 'answer.promptCaching', parseBoolean],
  ['KB_GUARDRAIL_ID', 'answer.guardrail.id', String],
  ['KB_GUARDRAIL_VERSION', 'answer.guardrail.version', String],
  ['KB_GUARDRAIL_CHECK_INPUT', 'answer.guardrail.checkInput', parseBoolean],
  ['KB_REDACT_PII', 'answer.redactPii', parseBoolean],
  ['KB_ANSWER_CACHE', 'answer.cache.enabled', parseBoolean],
  ['KB_ANSWER_CACHE_TTL_SECONDS', 'answer.cache.ttlSeconds', Number],
  ['KB_ANSWER_CACHE_MAX_ENTRIES', 'answer.cache.maxEntries', Number],
  ['KB_BEDROCK_ENDPOINT', 'bedrock.endpoint', String],
  ['KB_BEDROCK_MAX_ATTEMPTS', 'bedrock.maxAttempts', Number],
  ['KB_BEDROCK_MAX_BACKOFF_MS', 'bedrock.maxBackoffMs', Number],
  ['KB_BEDROCK_TIMEOUT_MS', 'bedrock.requestTimeoutMs', Number],
  ['AWS_REGION', 'bedrock.region', String],
  ['AWS_PROFILE', 'bedrock.profile', String],
  ['KB_HOST', 'server.host', String],
  ['KB_PORT', 'server.port', Number],
  ['KB_LOG_LEVEL', 'server.logLevel', String],
  ['KB_METRICS', 'server.metrics', String],
  ['KB_EMF_NAMESPACE', 'server.emfNamespace', String],
];

export interface ConfigSources {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Flag values by config path, e.g. { kbDir: './x', 'retrieval.topK': 5 }; highest precedence. */
  flags?: Record<string, unknown>;
}

/** kb.config.json < KB_* env vars < flags. Errors name the file, the option and its env var. */
export function loadConfig({ cwd = process.cwd(), env = process.env, flags = {} }: ConfigSources = {}): KbConfig & {
  env: { bearerToken?: string; apiKeys?: string; debug: boolean };
  /** Settings given explicitly rather than left at their defaults. */
  chosen: { chunking: boolean };
} {
  const file = env.KB_CONFIG ? resolve(cwd, env.KB_CONFIG) : resolve(cwd, 'kb.config.json');
  let raw: Record<string, unknown> = {};
  const hasFile = existsSync(file);
  if (hasFile) {
    try {
      raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch (error) {
      throw new ConfigError(`${file} is not valid JSON (${(error as Error).message}). Fix the file or remove it.`, { cause: error });
    }
  } else if (env.KB_CONFIG) {
    throw new ConfigError(`KB_CONFIG points to ${file}, which does not exist.`);
  }
  for (const [name, path, parse] of ENV) {
    const value = env[name];
    if (value !== undefined && value !== '') setPath(raw, path, parse(value));
  }
  for (const [path, value] of Object.entries(flags)) if (value !== undefined) setPath(raw, path, value);

  // Whether the chunk settings were chosen (file, env or flag) or are defaults: a kb remembers the settings it was
  // built with, and only a chosen setting changes them (changing them re-chunks, which on Bedrock costs money).
  const chunkingChosen = typeof raw.chunking === 'object' && raw.chunking !== null && Object.keys(raw.chunking).length > 0;
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const path = issue.path.join('.');
      const envName = ENV.find(([, p]) => p === path)?.[0];
      const where = [...(hasFile ? [file] : []), ...(envName ? [`env ${envName}`] : []), 'a flag'];
      return `  ${path || '(root)'}: ${issue.message} (set in ${where.join(', ').replace(/, a flag$/, ' or a flag')})`;
    });
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const config = parsed.data;
  checkRerankConfig(config);
  config.kbDir = resolve(cwd, config.kbDir);
  config.roots = config.roots.map((r) => resolve(cwd, r));
  for (const c of Object.values(config.collections)) {
    c.kbDir = resolve(cwd, c.kbDir);
    c.roots = c.roots.map((r) => resolve(cwd, r));
  }
  return {
    ...config,
    env: { bearerToken: env.AWS_BEARER_TOKEN_BEDROCK, apiKeys: env.KB_API_KEYS, debug: env.KB_DEBUG === '1' },
    chosen: { chunking: chunkingChosen },
  };
}

export type LoadedConfig = ReturnType<typeof loadConfig>;

/** "true"/"1" and "false"/"0"; anything else is passed on for the schema to reject with the option's name. */
function parseBoolean(value: string): unknown {
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  return value;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys.at(-1)!] = value;
}

/** The price of a model for cost figures: config `prices`, else the model catalogue. */
export function priceFor(config: Pick<KbConfig, 'prices'> & { bedrock?: Pick<KbConfig['bedrock'], 'applicationProfiles'> }, modelId: string) {
  return modelPrice(config, modelId);
}

/** The configuration of one collection: the main one's, with the collection's index and folders. */
export function collectionConfig(config: LoadedConfig, name: string): LoadedConfig {
  const c = config.collections[name];
  if (!c) return config;
  return { ...config, kbDir: c.kbDir, roots: c.roots, store: { ...config.store, url: c.storeUrl } };
}
