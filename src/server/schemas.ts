import { z } from 'zod';

/** Request and response shapes of the HTTP API; the routes parse with them and openapi.ts documents them. */

export const filtersSchema = z.strictObject({
  pathPrefix: z.string().min(1).max(1000).optional().describe('Only documents whose path starts with this prefix'),
  pathGlob: z.string().min(1).max(1000).optional().describe('Only documents whose path matches this glob, e.g. "hr/**/*.md"'),
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

/** The question limit comes from config (server.maxQuestionChars), so the schema is built per app. */
export function querySchema({ maxQuestionChars }: { maxQuestionChars: number }) {
  return z.strictObject({
    question: z.string().trim().min(1).max(maxQuestionChars),
    topK,
    filters: filtersSchema.optional(),
    history: z.array(historyTurnSchema).max(20).optional().describe('Earlier turns, oldest first, for follow-up questions'),
    params: answerParamsSchema.optional().describe('Inference parameters; unset ones come from config'),
    stream: z.boolean().optional().describe('Stream Server-Sent Events (same as Accept: text/event-stream)'),
  });
}
export type QueryBody = z.infer<ReturnType<typeof querySchema>>;

export function retrieveSchema({ maxQuestionChars }: { maxQuestionChars: number }) {
  return z.strictObject({ query: z.string().trim().min(1).max(maxQuestionChars), topK, filters: filtersSchema.optional() });
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

export const documentIdSchema = z.strictObject({ id: z.coerce.number().int().positive() });
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

export const usageSchema = z.object({ inputTokens: z.number(), outputTokens: z.number(), embeddingTokens: z.number() });
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
  timings: z.object({ retrieveMs: z.number(), answerMs: z.number(), totalMs: z.number() }),
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
