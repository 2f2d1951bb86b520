import { z } from 'zod';
import { resolveModelId } from '../models/model-catalog.js';
import { RERANK_LIMITS } from '../models/rerank-input-error.js';
import { ServiceError, validationError } from './service-error.js';
import { termOverlap } from './term-overlap.js';

const text = z.object({ text: z.string().min(1).max(RERANK_LIMITS.maxTextChars) });
const rerankBody = z.object({
  queries: z.array(z.object({ type: z.literal('TEXT'), textQuery: text })).length(1),
  sources: z
    .array(
      z.object({
        type: z.literal('INLINE'),
        inlineDocumentSource: z.object({ type: z.enum(['TEXT', 'JSON']), textDocument: text.optional(), jsonDocument: z.unknown().optional() }),
      }),
    )
    .min(1)
    .max(RERANK_LIMITS.maxSources),
  rerankingConfiguration: z.object({
    type: z.literal('BEDROCK_RERANKING_MODEL'),
    bedrockRerankingConfiguration: z.object({
      numberOfResults: z.number().int().min(1).max(RERANK_LIMITS.maxResults).optional(),
      modelConfiguration: z.object({ modelArn: z.string().min(1).max(2048), additionalModelRequestFields: z.record(z.string(), z.unknown()).optional() }),
    }),
  }),
  nextToken: z.string().optional(),
});

const MODEL_ARN = /^arn:aws(-[^:]+)?:bedrock:([a-z0-9-]{1,20})::foundation-model\/(.+)$/;

/**
 * Rerank (POST /rerank) as Bedrock answers it: constraint violations as one ValidationException in the
 * service's "N validation errors detected" wording, a model ARN that is not a rerank model offered in the
 * region as "The provided model identifier is invalid.", else every source scored by term overlap with the
 * query, best first, cut to numberOfResults.
 */
export function answerRerank(body: unknown, region: string): { json: unknown; modelArn: string; documents: number } {
  const parsed = rerankBody.safeParse(body);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `Value at '${i.path.join('.')}' failed to satisfy constraint: ${i.message}`);
    throw validationError(`${problems.length} validation error${problems.length > 1 ? 's' : ''} detected: ${problems.join('; ')}`);
  }
  const { queries, sources, rerankingConfiguration } = parsed.data;
  const { modelArn } = rerankingConfiguration.bedrockRerankingConfiguration.modelConfiguration;
  const arn = MODEL_ARN.exec(modelArn);
  const model = arn ? resolveModelId(arn[3]!)?.model : undefined;
  if (!arn || !model || model.kind !== 'rerank' || arn[2] !== region || !model.regions.includes(region)) {
    throw validationError('The provided model identifier is invalid.');
  }
  const query = queries[0]!.textQuery.text;
  const scored = sources.map((s, index) => {
    const doc = s.inlineDocumentSource;
    const content = doc.type === 'TEXT' ? doc.textDocument?.text : JSON.stringify(doc.jsonDocument ?? null);
    if (content === undefined) throw new ServiceError('ValidationException', 400, `sources.${index}.inlineDocumentSource: textDocument is required for type TEXT.`);
    return { index, relevanceScore: termOverlap(query, content) };
  });
  scored.sort((a, b) => b.relevanceScore - a.relevanceScore || a.index - b.index);
  const n = rerankingConfiguration.bedrockRerankingConfiguration.numberOfResults ?? scored.length;
  return { json: { results: scored.slice(0, n) }, modelArn, documents: sources.length };
}
