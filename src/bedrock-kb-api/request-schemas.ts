import { z } from 'zod';
import { filterDepth, MAX_FILTER_DEPTH, retrievalFilterSchema } from '../collections/retrieval-filter.js';

/**
 * Request bodies of the Knowledge Bases runtime operations we answer, as documented:
 * https://docs.aws.amazon.com/bedrock/latest/APIReference/API_agent-runtime_Retrieve.html and
 * https://docs.aws.amazon.com/bedrock/latest/APIReference/API_agent-runtime_RetrieveAndGenerate.html
 * Members we do not act on (reranking, guardrails, prompt templates, inference settings) are accepted and
 * ignored, as a client written for the service sends them; unknown members are ignored as the service does.
 */

const filter = retrievalFilterSchema.refine((f) => filterDepth(f) <= MAX_FILTER_DEPTH, `filter nests deeper than ${MAX_FILTER_DEPTH} levels`);

export const vectorSearchConfigurationSchema = z.object({
  numberOfResults: z.number().int().min(1).max(100).optional(),
  overrideSearchType: z.enum(['HYBRID', 'SEMANTIC']).optional(),
  filter: filter.optional(),
});

const retrievalConfiguration = z.object({ vectorSearchConfiguration: vectorSearchConfigurationSchema.optional() });

export const retrieveBodySchema = z.object({
  retrievalQuery: z.object({ text: z.string().min(1).max(20_000) }),
  retrievalConfiguration: retrievalConfiguration.optional(),
  nextToken: z.string().optional(),
});
export type RetrieveBody = z.infer<typeof retrieveBodySchema>;

export const retrieveAndGenerateBodySchema = z.object({
  sessionId: z.string().min(2).max(100).regex(/^[0-9a-zA-Z._:-]+$/).optional(),
  input: z.object({ text: z.string().min(1).max(20_000) }),
  retrieveAndGenerateConfiguration: z.object({
    type: z.enum(['KNOWLEDGE_BASE', 'EXTERNAL_SOURCES']),
    knowledgeBaseConfiguration: z.object({
      knowledgeBaseId: z.string().min(1).max(10),
      // Required by the service; the server answers with its configured answer model whatever is named.
      modelArn: z.string().min(1).max(2048),
      retrievalConfiguration: retrievalConfiguration.optional(),
    }).optional(),
  }),
  sessionConfiguration: z.object({ kmsKeyArn: z.string() }).optional(),
});
export type RetrieveAndGenerateBody = z.infer<typeof retrieveAndGenerateBodySchema>;

/** The service's one-sentence summary of what failed validation, e.g. "1 validation error detected: ...". */
export function validationMessage(error: z.ZodError): string {
  const problems = error.issues.slice(0, 5).map((i) => `Value at '${i.path.join('.') || 'body'}' failed to satisfy constraint: ${i.message}`);
  return `${error.issues.length} validation error${error.issues.length === 1 ? '' : 's'} detected: ${problems.join('; ')}`;
}
