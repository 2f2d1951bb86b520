/**
 * Every model the project knows, in one place: what it is, its limits, what it costs and where it runs. Adapters,
 * pricing, `kb models` and the emulator all read this; adding a model is one entry here.
 *
 * Sources (checked 2025): Bedrock pricing page (on-demand, us-east-1), the model parameter pages (limits), "Model
 * support by AWS Region" and "Supported cross-Region inference profiles". Region lists are in-region (on-demand)
 * availability and change often; `kb models` with provider bedrock asks the account, which is authoritative.
 * Uncertain: exact region lists for the Claude 4.x models (offered mostly through profiles), and Titan V1 regions.
 */
export type ModelFamily = 'local' | 'titan-v1' | 'titan-v2' | 'cohere' | 'anthropic' | 'nova' | 'amazon-rerank' | 'cohere-rerank';
export type ModelKind = 'embedding' | 'chat' | 'rerank';
/** Cross-region inference profile prefixes ("us.anthropic.claude-…"). */
export const PROFILE_PREFIXES = ['us', 'us-gov', 'eu', 'apac', 'jp', 'au', 'ca', 'global'] as const;
export type ProfilePrefix = (typeof PROFILE_PREFIXES)[number];

export interface ModelPrice {
  /** USD per 1,000 input tokens. */
  inputPer1k: number;
  outputPer1k: number;
  cacheReadPer1k?: number;
  cacheWritePer1k?: number;
  /** Rerank models: USD per 1,000 queries (a query is up to RERANK_DOCUMENTS_PER_QUERY sources). */
  per1kQueries?: number;
}

export interface CatalogModel {
  id: string;
  name: string;
  family: ModelFamily;
  kind: ModelKind;
  /** Input modalities; output is text (chat) or a vector (embedding). */
  modality: Array<'text' | 'image' | 'video' | 'document'>;
  /** Most input tokens one call takes (per text, for embeddings). */
  inputTokens: number;
  /** Embeddings: the dimensions the model can return, default first. */
  dimensions?: number[];
  /** Chat: context window and most output tokens per call. */
  contextTokens?: number;
  maxOutputTokens?: number;
  price: ModelPrice;
  /** Regions with on-demand (in-region) access; empty for local models. */
  regions: string[];
  /** Inference-profile prefixes under which the model is offered. */
  profiles: ProfilePrefix[];
  /** Chat: Bedrock CountTokens counts this model's prompts (else the local estimate is used). */
  countTokens?: boolean;
  /** Chat: Converse prompt caching; a cache point only counts after a prefix of at least `minTokens`. */
  promptCache?: { minTokens: number };
}

const US = ['us-east-1', 'us-east-2', 'us-west-2'];
const EU = ['eu-central-1', 'eu-west-1', 'eu-west-3'];
const NOVA_REGIONS = ['us-east-1', 'us-east-2', 'us-west-2', 'us-gov-west-1', 'ap-northeast-1', 'ap-northeast-2', 'ap-south-1', 'ap-southeast-1', 'ap-southeast-2', 'eu-central-1', 'eu-north-1', 'eu-south-1', 'eu-south-2', 'eu-west-1', 'eu-west-3'];
const TITAN_V2_REGIONS = ['us-east-1', 'us-east-2', 'us-west-2', 'us-gov-west-1', 'ap-northeast-1', 'ap-northeast-2', 'ap-south-1', 'ap-southeast-2', 'ca-central-1', 'eu-central-1', 'eu-central-2', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'sa-east-1'];
const COHERE_REGIONS = ['us-east-1', 'us-west-2', 'ap-northeast-1', 'ap-south-1', 'ap-southeast-1', 'ap-southeast-2', 'ca-central-1', 'eu-central-1', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'sa-east-1'];
// Rerank: "Supported Regions and models for reranking in Amazon Bedrock" (not us-east-1); pricing page: a query
// counts up to 100 document chunks, more are billed as further queries. Uncertain: newer regions may offer it.
const RERANK_REGIONS = ['us-west-2', 'ca-central-1', 'eu-central-1', 'ap-northeast-1'];
/** Sources billed as one rerank query; a call with more counts as ceil(n / 100) queries. */
export const RERANK_DOCUMENTS_PER_QUERY = 100;
const CLAUDE_WINDOW = 200_000;
const text = ['text'] as CatalogModel['modality'];
const vision = ['text', 'image', 'document'] as CatalogModel['modality'];

// CountTokens ("Count tokens before running inference"): Claude 3.5 Haiku and later on bedrock-runtime; uncertain
// for the 4.x models offered only through profiles. Prompt caching ("Prompt caching for faster model inference"):
// the minimum tokens per cache checkpoint is the model's (1,024 for most Claude models, 2,048 for 3.5 Haiku).
const COUNTS = { countTokens: true } as const;
const cache = (minTokens: number) => ({ promptCache: { minTokens } });

function claude(id: string, name: string, maxOutputTokens: number, price: ModelPrice, regions: string[], profiles: ProfilePrefix[], extra: Partial<CatalogModel> = {}): CatalogModel {
  return { id, name, family: 'anthropic', kind: 'chat', modality: vision, inputTokens: CLAUDE_WINDOW, contextTokens: CLAUDE_WINDOW, maxOutputTokens, price, regions, profiles, ...extra };
}

export const MODEL_CATALOG: readonly CatalogModel[] = [
  { id: 'local-hash-v1', name: 'Local feature hashing (offline)', family: 'local', kind: 'embedding', modality: text, inputTokens: Number.MAX_SAFE_INTEGER, dimensions: [1024], price: { inputPer1k: 0, outputPer1k: 0 }, regions: [], profiles: [] },
  { id: 'amazon.titan-embed-text-v2:0', name: 'Titan Text Embeddings V2', family: 'titan-v2', kind: 'embedding', modality: text, inputTokens: 8192, dimensions: [1024, 512, 256], price: { inputPer1k: 0.00002, outputPer1k: 0 }, regions: TITAN_V2_REGIONS, profiles: [] },
  { id: 'amazon.titan-embed-text-v1', name: 'Titan Embeddings G1 - Text', family: 'titan-v1', kind: 'embedding', modality: text, inputTokens: 8192, dimensions: [1536], price: { inputPer1k: 0.0001, outputPer1k: 0 }, regions: ['us-east-1', 'us-west-2', 'ap-northeast-1', 'eu-central-1'], profiles: [] },
  { id: 'cohere.embed-english-v3', name: 'Cohere Embed English v3', family: 'cohere', kind: 'embedding', modality: text, inputTokens: 512, dimensions: [1024], price: { inputPer1k: 0.0001, outputPer1k: 0 }, regions: COHERE_REGIONS, profiles: [] },
  { id: 'cohere.embed-multilingual-v3', name: 'Cohere Embed Multilingual v3', family: 'cohere', kind: 'embedding', modality: text, inputTokens: 512, dimensions: [1024], price: { inputPer1k: 0.0001, outputPer1k: 0 }, regions: COHERE_REGIONS, profiles: [] },

  claude('anthropic.claude-3-haiku-20240307-v1:0', 'Claude 3 Haiku', 4096, { inputPer1k: 0.00025, outputPer1k: 0.00125 }, [...US, 'us-west-1', 'ap-northeast-1', 'ap-south-1', 'ap-southeast-2', 'ca-central-1', ...EU, 'eu-west-2', 'sa-east-1'], ['us', 'eu', 'apac']),
  claude('anthropic.claude-3-sonnet-20240229-v1:0', 'Claude 3 Sonnet', 4096, { inputPer1k: 0.003, outputPer1k: 0.015 }, ['us-east-1', 'us-west-2', 'ap-south-1', 'ap-southeast-2', 'ca-central-1', 'eu-west-1', 'eu-west-3', 'sa-east-1'], ['us', 'eu', 'apac']),
  claude('anthropic.claude-3-opus-20240229-v1:0', 'Claude 3 Opus', 4096, { inputPer1k: 0.015, outputPer1k: 0.075 }, ['us-west-2'], ['us']),
  // Regions uncertain: AWS lists us-west-2 in-region; us-east-1/us-east-2 may need the us. profile.
  claude('anthropic.claude-3-5-haiku-20241022-v1:0', 'Claude 3.5 Haiku', 8192, { inputPer1k: 0.0008, outputPer1k: 0.004, cacheReadPer1k: 0.00008, cacheWritePer1k: 0.001 }, US, ['us'], { ...COUNTS, ...cache(2048) }),
  claude('anthropic.claude-3-5-sonnet-20240620-v1:0', 'Claude 3.5 Sonnet', 8192, { inputPer1k: 0.003, outputPer1k: 0.015 }, ['us-east-1', 'us-west-2', 'ap-northeast-1', 'ap-northeast-2', 'eu-central-1'], ['us', 'eu', 'apac']),
  claude('anthropic.claude-3-5-sonnet-20241022-v2:0', 'Claude 3.5 Sonnet v2', 8192, { inputPer1k: 0.003, outputPer1k: 0.015, cacheReadPer1k: 0.0003, cacheWritePer1k: 0.00375 }, ['us-west-2', 'ap-southeast-2'], ['us', 'apac'], { ...COUNTS, ...cache(1024) }),
  claude('anthropic.claude-3-7-sonnet-20250219-v1:0', 'Claude 3.7 Sonnet', 64_000, { inputPer1k: 0.003, outputPer1k: 0.015, cacheReadPer1k: 0.0003, cacheWritePer1k: 0.00375 }, [], ['us', 'eu', 'apac'], { ...COUNTS, ...cache(1024) }),
  claude('anthropic.claude-sonnet-4-20250514-v1:0', 'Claude Sonnet 4', 64_000, { inputPer1k: 0.003, outputPer1k: 0.015, cacheReadPer1k: 0.0003, cacheWritePer1k: 0.00375 }, [], ['us', 'eu', 'apac', 'global'], { ...COUNTS, ...cache(1024) }),
  claude('anthropic.claude-opus-4-20250514-v1:0', 'Claude Opus 4', 32_000, { inputPer1k: 0.015, outputPer1k: 0.075, cacheReadPer1k: 0.0015, cacheWritePer1k: 0.01875 }, [], ['us'], { ...COUNTS, ...cache(1024) }),
  claude('anthropic.claude-sonnet-4-5-20250929-v1:0', 'Claude Sonnet 4.5', 64_000, { inputPer1k: 0.003, outputPer1k: 0.015, cacheReadPer1k: 0.0003, cacheWritePer1k: 0.00375 }, [], ['us', 'us-gov', 'eu', 'jp', 'au', 'global'], { ...COUNTS, ...cache(1024) }),
  claude('anthropic.claude-haiku-4-5-20251001-v1:0', 'Claude Haiku 4.5', 64_000, { inputPer1k: 0.001, outputPer1k: 0.005, cacheReadPer1k: 0.0001, cacheWritePer1k: 0.00125 }, [], ['us', 'eu', 'jp', 'au', 'global'], { ...COUNTS, ...cache(4096) }),

  { id: 'amazon.rerank-v1:0', name: 'Amazon Rerank 1.0', family: 'amazon-rerank', kind: 'rerank', modality: text, inputTokens: 512, price: { inputPer1k: 0, outputPer1k: 0, per1kQueries: 1 }, regions: RERANK_REGIONS, profiles: [] },
  { id: 'cohere.rerank-v3-5:0', name: 'Cohere Rerank 3.5', family: 'cohere-rerank', kind: 'rerank', modality: text, inputTokens: 4096, price: { inputPer1k: 0, outputPer1k: 0, per1kQueries: 2 }, regions: RERANK_REGIONS, profiles: [] },

  // Nova: https://aws.amazon.com/bedrock/pricing/ (cache reads are 75% off input).
  { id: 'amazon.nova-micro-v1:0', name: 'Amazon Nova Micro', family: 'nova', kind: 'chat', modality: text, inputTokens: 128_000, contextTokens: 128_000, maxOutputTokens: 10_000, price: { inputPer1k: 0.000035, outputPer1k: 0.00014, cacheReadPer1k: 0.00000875 }, regions: NOVA_REGIONS, profiles: ['us', 'us-gov', 'eu', 'apac'], ...cache(1000) },
  { id: 'amazon.nova-lite-v1:0', name: 'Amazon Nova Lite', family: 'nova', kind: 'chat', modality: ['text', 'image', 'video', 'document'], inputTokens: 300_000, contextTokens: 300_000, maxOutputTokens: 10_000, price: { inputPer1k: 0.00006, outputPer1k: 0.00024, cacheReadPer1k: 0.000015 }, regions: NOVA_REGIONS, profiles: ['us', 'us-gov', 'eu', 'apac'], ...cache(1000) },
  { id: 'amazon.nova-pro-v1:0', name: 'Amazon Nova Pro', family: 'nova', kind: 'chat', modality: ['text', 'image', 'video', 'document'], inputTokens: 300_000, contextTokens: 300_000, maxOutputTokens: 10_000, price: { inputPer1k: 0.0008, outputPer1k: 0.0032, cacheReadPer1k: 0.0002 }, regions: NOVA_REGIONS, profiles: ['us', 'us-gov', 'eu', 'apac'], ...cache(1000) },
];

const BY_ID = new Map(MODEL_CATALOG.map((m) => [m.id, m]));
const PREFIX = new RegExp(`^(${[...PROFILE_PREFIXES].sort((a, b) => b.length - a.length).join('|')})\\.`);
const FOUNDATION_ARN = /^arn:aws[\w-]*:bedrock:[\w-]*:\d*:(?:foundation-model|inference-profile)\/(.+)$/;
/** An application inference profile: a copy of a model under an id of the account's choosing. */
export const APPLICATION_PROFILE_ARN = /^arn:aws[\w-]*:bedrock:[\w-]+:\d{12}:application-inference-profile\/[a-z0-9]+$/;

export interface ResolvedModelId {
  model: CatalogModel;
  /** The inference-profile prefix the id used, if any. */
  profile?: ProfilePrefix;
}

/** The catalogue entry a model id names: plain, with an inference-profile prefix, or as a foundation-model or system profile ARN. */
export function resolveModelId(modelId: string): ResolvedModelId | undefined {
  const bare = modelId.replace(FOUNDATION_ARN, '$1');
  const prefix = PREFIX.exec(bare)?.[1] as ProfilePrefix | undefined;
  const model = BY_ID.get(prefix ? bare.slice(prefix.length + 1) : bare);
  if (!model || (prefix && !model.profiles.includes(prefix))) return undefined;
  return { model, ...(prefix ? { profile: prefix } : {}) };
}

/** Which profile prefixes a region may use ("eu." from eu-west-1, "jp." from Tokyo and Osaka). */
export function profilesForRegion(region: string): ProfilePrefix[] {
  const out: ProfilePrefix[] = [];
  if (region.startsWith('us-gov-')) out.push('us-gov');
  else if (region.startsWith('us-')) out.push('us');
  if (region.startsWith('eu-')) out.push('eu');
  if (region.startsWith('ap-')) out.push('apac');
  if (region === 'ap-northeast-1' || region === 'ap-northeast-3') out.push('jp');
  if (region === 'ap-southeast-2' || region === 'ap-southeast-4') out.push('au');
  if (region.startsWith('ca-')) out.push('ca');
  if (!region.startsWith('us-gov-')) out.push('global');
  return out;
}

/** Whether `modelId` can be called from `region`: in-region, or through a profile prefix that region may use. */
export function isOfferedIn(resolved: ResolvedModelId, region: string): boolean {
  if (resolved.profile) return profilesForRegion(region).includes(resolved.profile);
  return resolved.model.regions.includes(region);
}

/** Catalogue ids nearest to a mistyped one, closest first (edit distance on the id without its profile prefix). */
export function closestModelIds(modelId: string, { kind, limit = 3 }: { kind?: ModelKind; limit?: number } = {}): string[] {
  const bare = modelId.replace(FOUNDATION_ARN, '$1').replace(PREFIX, '');
  return MODEL_CATALOG.filter((m) => m.family !== 'local' && (!kind || m.kind === kind))
    .map((m) => ({ id: m.id, d: editDistance(bare, m.id) }))
    .sort((a, b) => a.d - b.d)
    .slice(0, limit)
    .map((m) => m.id);
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row.push(Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    prev = row;
  }
  return prev[b.length]!;
}
