import { z } from 'zod';
import { GLOB_LIMITS, globProblem } from '../store/compile-glob.js';

/** Request and response shapes of the HTTP API; the routes parse with them and openapi.ts documents them. */

export const filtersSchema = z.strictObject({
  pathPrefix: z.string().min(1).max(1000).optional().describe('Only documents whose path starts with this prefix'),
  pathGlob: z
    .string()
    .min(1)
    .max(GLOB_LIMITS.maxChars)
    .superRefine((glob, ctx) => {
      const problem = globProblem(glob);
      if (problem) ctx.addIssue({ code: 'custom', message: `The path glob is refused: ${problem}` });
    })
    .optional()
    .describe('Only documents whose path matches this glob, relative to its indexed folder ("hr/**/*.md") or including the folder name ("docs/hr/**")'),
  formats: z.array(z.enum(['markdown', 'text', 'html', 'pdf', 'docx'])).min(1).max(5).optional(),
  tags: z.array(z.string().min(1).max(200)).min(1).max(50).optional().describe('Only documents carrying all of these tags'),
});

const topK = z.number().int().min(1).max(100).optional().describe('How many chunks to retrieve');

export const historyTurnSchema = z.strictObject({ role: z.enum(['user', 'assistant']), content: z.string().min(1).max(20_000) });

export const answerParamsSchema = z.strictObject({
  maxTokens: z.number().int().min(1).max(8192).optional(),
  temperature: z.number().min(0).max(1).optional(),
  topP: z.number().min(0).max(1).optional(),
  topK: z.number().int().min(1).max(500).optional(),
  stopSequences: z.array(z.string().min(1).max(100)).max(4).optional(),
});

/**
 * `question` is the name on both /v1/query and /v1/retrieve; `query` (once /v1/retrieve's name) is accepted as
 * an alias on both. A body with both keeps `query`, which the strict object then reports as unknown.
 */
function withQueryAlias<T extends z.ZodType>(schema: T) {
  return z.preprocess((body) => {
    if (!body || typeof body !== 'object' || Array.isArray(body) || !('query' in body) || 'question' in body) return body;
    const { query, ...rest } = body as Record<string, unknown>;
    return { ...rest, question: query };
  }, schema);
}
const questionText = (maxQuestionChars: number) => z.string().trim().min(1).max(maxQuestionChars).describe('The question or search text (alias: query)');

/** The question limit comes from config (server.maxQuestionChars), so the schema is built per app. */
/** Per request, when retrieval.rerank is configured: false skips the reranker, rerankTopN overrides how many fused candidates it scores. */
const rerankFields = {
  rerank: z.boolean().optional().describe('Rerank the fused candidates (default: retrieval.rerank.enabled); false skips it'),
  rerankTopN: z.number().int().min(1).max(1000).optional().describe('How many fused candidates the reranker scores (default retrieval.rerank.topN)'),
};

export function querySchema({ maxQuestionChars }: { maxQuestionChars: number }) {
  return withQueryAlias(z.strictObject({
    question: questionText(maxQuestionChars),
    topK,
    filters: filtersSchema.optional(),
    history: z.array(historyTurnSchema).max(20).optional().describe('Earlier turns, oldest first, for follow-up questions'),
    params: answerParamsSchema.optional().describe('Inference parameters; unset ones come from config'),
    ...rerankFields,
    stream: z.boolean().optional().describe('Stream Server-Sent Events (same as Accept: text/event-stream)'),
  }));
}
export type QueryBody = z.infer<ReturnType<typeof querySchema>>;

export function retrieveSchema({ maxQuestionChars }: { maxQuestionChars: number }) {
  return withQueryAlias(z.strictObject({ question: questionText(maxQuestionChars), topK, filters: filtersSchema.optional(), ...rerankFields }));
}

/** `?limit=` (empty) means "not given", as HTML forms and URL builders send it. */
const unsetIfEmpty = (v: unknown) => (v === '' ? undefined : v);
/** Query-string numbers arrive as text. */
const intParam = (min: number, max: number, fallback: number) => z.preprocess(unsetIfEmpty, z.coerce.number().int().min(min).max(max).default(fallback));

export const listDocumentsSchema = z.strictObject({
  pathPrefix: z.preprocess(unsetIfEmpty, z.string().max(1000).optional()),
  limit: intParam(1, 500, 50),
  offset: intParam(0, 1_000_000_000, 0),
});

/** Decimal digits only: `0x2`, `2e0`, `+2` and ` 2` are not document 2 (Number() would say they are). */
export const documentIdSchema = z.strictObject({
  id: z
    .string()
    .regex(/^[0-9]{1,15}$/, 'A document id is decimal digits, e.g. /v1/documents/12.')
    .transform(Number)
    .pipe(z.number().int().positive()),
});
export const jobIdSchema = z.strictObject({ id: z.string().uuid() });

// Responses (documentation and tests; the routes build them from typed values).

export const citationSchema = z.object({
  n: z.number().int(),
  documentId: z.number().int(),
  path: z.string(),
  page: z.number().int().optional(),
  heading: z.string().optional(),
  snippet: z.string(),
  score: z.number(),
  supported: z.boolean().optional().describe('Whether the sentences citing this source are backed by its text'),
});

export const usageSchema = z.object({ inputTokens: z.number(), outputTokens: z.number(), embeddingTokens: z.number(), cacheReadTokens: z.number().optional(), cacheWriteTokens: z.number().optional() });
export const costSchema = z.object({ usd: z.number(), byModel: z.record(z.string(), z.number()) });

export const sourceSummarySchema = z.object({
  n: z.number().int(),
  documentId: z.number().int(),
  path: z.string(),
  page: z.number().int().optional(),
  heading: z.string().optional(),
  score: z.number(),
});

export const queryResponseSchema = z.object({
  answer: z.string(),
  found: z.boolean().describe('False when nothing in the knowledge base was relevant; the answer then says so'),
  citations: z.array(citationSchema),
  usage: usageSchema,
  cost: costSchema.optional(),
  model: z.string(),
  cached: z.boolean().optional().describe('True when answered from the answer cache (no model call, cost 0); absent when the cache is off'),
  timings: z.object({ retrieveMs: z.number(), answerMs: z.number(), totalMs: z.number() }),
  guardrail: z
    .object({ action: z.literal('intervened'), source: z.enum(['input', 'output']), reason: z.string() })
    .optional()
    .describe('Set when a Bedrock guardrail intervened; the answer is then its message'),
  rerank: z
    .object({ model: z.string(), documents: z.number().int(), queries: z.number().int(), attempts: z.number().int(), costUsd: z.number().optional() })
    .optional()
    .describe('The rerank call, when the retriever reranked'),
});

export const rankedChunkSchema = z.object({
  id: z.number().int(),
  documentId: z.number().int(),
  path: z.string(),
  ordinal: z.number().int(),
  page: z.number().int().optional(),
  heading: z.string().optional(),
  text: z.string(),
  score: z.number(),
  similarity: z.number().optional(),
  bm25: z.number().optional(),
  coverage: z.number(),
});

export const retrieveResponseSchema = z.object({
  chunks: z.array(rankedChunkSchema),
  timings: z.object({ embedMs: z.number(), vectorMs: z.number(), keywordMs: z.number(), totalMs: z.number() }),
});

export const documentSchema = z.object({
  id: z.number().int(),
  path: z.string(),
  format: z.string(),
  title: z.string().optional(),
  url: z.string().optional().describe('Where the document was published (front matter url or source_url), when it is an http(s) URL'),
  tags: z.array(z.string()),
  warnings: z.array(z.string()),
  size: z.number(),
  indexedAt: z.string(),
  chunkCount: z.number().int().optional(),
});

export const documentListSchema = z.object({ total: z.number().int(), limit: z.number().int(), offset: z.number().int(), documents: z.array(documentSchema) });

export const documentDetailSchema = documentSchema.extend({
  chunks: z.array(z.object({ id: z.number().int(), ordinal: z.number().int(), page: z.number().int().optional(), heading: z.string().optional(), charStart: z.number(), charEnd: z.number(), text: z.string() })),
});

export const jobSchema = z.object({
  id: z.string(),
  status: z.enum(['running', 'succeeded', 'failed', 'partial']),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  progress: z.object({ done: z.number().int(), total: z.number().int() }),
  summary: z.record(z.string(), z.unknown()).optional().describe('The index run summary, as `kb index --json` prints it'),
  errors: z.array(z.object({ path: z.string(), reason: z.string() })),
});

export const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  instance: z.string(),
  code: z.string(),
  requestId: z.string().optional(),
  errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  jobId: z.string().optional(),
});
