import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { KbConfig } from './config-schema.js';
import { ConfigError } from './errors.js';
import { modelPrice } from './models/model-price.js';
import { checkRerankConfig } from './models/resolve-rerank-model.js';

/** Env vars and the config path they set. The only reader of process.env is readConfigInput (for loadConfig). */
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

/** A configuration as read, before validation: kb.config.json with env vars and flags set over it. */
export interface ConfigInput {
  raw: Record<string, unknown>;
  /** The config file's path, and whether it exists. */
  file: string;
  hasFile: boolean;
  /** Whether the chunk settings were given (file, env or flag) rather than left at their defaults. */
  chunkingChosen: boolean;
}

/** kb.config.json < KB_* env vars < flags, unvalidated. A file that is not JSON, or a KB_CONFIG naming none, is a ConfigError. */
export function readConfigInput({ cwd = process.cwd(), env = process.env, flags = {} }: ConfigSources = {}): ConfigInput {
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
  return { raw, file, hasFile, chunkingChosen };
}

/** The ConfigError for validation issues: each names its option, the file and env var that can set it. */
export function invalidConfig(issues: Array<{ path: PropertyKey[]; message: string }>, { file, hasFile }: ConfigInput): ConfigError {
  const lines = issues.map((issue) => {
    const path = issue.path.join('.');
    const envName = ENV.find(([, p]) => p === path)?.[0];
    const where = [...(hasFile ? [file] : []), ...(envName ? [`env ${envName}`] : []), 'a flag'];
    return `  ${path || '(root)'}: ${issue.message} (set in ${where.join(', ').replace(/, a flag$/, ' or a flag')})`;
  });
  return new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
}

/** A configuration as loadConfig returns it. */
export type LoadedConfig = KbConfig & {
  env: { bearerToken?: string; apiKeys?: string; debug: boolean };
  /** Settings given explicitly rather than left at their defaults. */
  chosen: { chunking: boolean };
};

/** A validated configuration, checked further and with its paths made absolute against `cwd`. Takes ownership of `config`. */
export function finishConfig(config: KbConfig, { cwd = process.cwd(), env = process.env }: ConfigSources, { chunkingChosen }: Pick<ConfigInput, 'chunkingChosen'>): LoadedConfig {
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
