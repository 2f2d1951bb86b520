import { BedrockAgentRuntimeClient, RerankCommand, type RerankCommandInput } from '@aws-sdk/client-bedrock-agent-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { KbConfig } from '../config.js';
import { isAbortError } from '../errors.js';
import { toModelCallError } from './bedrock-errors.js';
import { RERANK_DOCUMENTS_PER_QUERY } from './model-catalog.js';
import { modelPrice } from './model-price.js';
import { checkRerankInput } from './rerank-input-error.js';
import { resolveRerankModel } from './resolve-rerank-model.js';
import type { Reranker } from './reranker.js';
import { retryModelCall, type RetryContext } from './retry-model-call.js';
import { retryPolicyFor } from './retry-policy-for.js';

export interface BedrockRerankerOptions {
  config: Pick<KbConfig, 'retrieval' | 'bedrock' | 'prices'>;
  /** Defaults to a client for the rerank region (one attempt, SigV4, the request timeout). */
  client?: BedrockAgentRuntimeClient;
  retry?: Pick<RetryContext, 'random' | 'sleep'>;
}

/**
 * Bedrock Rerank (Agents for Amazon Bedrock runtime, POST /rerank) as a Reranker. The configuration is checked
 * when the reranker is made, so a region without Rerank fails at start rather than on the first question.
 * Rerank signs with SigV4 only: it does not take Bedrock API keys.
 */
export function createBedrockReranker({ config, client, retry = {} }: BedrockRerankerOptions): Reranker {
  const { modelId, region, modelArn } = resolveRerankModel(config);
  const { bedrock } = config;
  const sdk =
    client ??
    new BedrockAgentRuntimeClient({
      region,
      ...(bedrock.endpoint ? { endpoint: bedrock.endpoint } : {}),
      ...(bedrock.profile ? { profile: bedrock.profile } : {}),
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler({ requestTimeout: bedrock.requestTimeoutMs }),
    });
  const context = { modelId, region, kind: 'rerank' as const, ...(bedrock.endpoint ? { endpoint: bedrock.endpoint } : {}) };
  const per1kQueries = modelPrice(config, modelId)?.per1kQueries;

  return {
    modelId,
    async rerank(query, texts, { topN, signal } = {}) {
      checkRerankInput(query, texts, topN);
      const queries = Math.ceil(texts.length / RERANK_DOCUMENTS_PER_QUERY);
      const usage = { model: modelId, documents: texts.length, queries, ...(per1kQueries !== undefined ? { costUsd: (queries / 1000) * per1kQueries } : {}) };
      if (texts.length === 0) return { results: [], usage: { ...usage, attempts: 0 } };
      const input: RerankCommandInput = {
        queries: [{ type: 'TEXT', textQuery: { text: query } }],
        sources: texts.map((text) => ({ type: 'INLINE', inlineDocumentSource: { type: 'TEXT', textDocument: { text } } })),
        rerankingConfiguration: {
          type: 'BEDROCK_RERANKING_MODEL',
          bedrockRerankingConfiguration: { modelConfiguration: { modelArn }, numberOfResults: Math.min(topN ?? texts.length, texts.length) },
        },
      };
      const call = async () => {
        try {
          return await sdk.send(new RerankCommand(input), signal ? { abortSignal: signal } : {});
        } catch (error) {
          if (signal?.aborted && !isAbortError(error)) throw Object.assign(new Error('The rerank call was aborted.', { cause: signal.reason }), { name: 'AbortError' });
          throw toModelCallError(error, context);
        }
      };
      const { value, attempts } = await retryModelCall(call, { ...retry, policy: retryPolicyFor(bedrock), ...(signal ? { signal } : {}) });
      const results = (value.results ?? []).map((r) => ({ index: r.index ?? -1, score: r.relevanceScore ?? 0 })).filter((r) => r.index >= 0 && r.index < texts.length);
      return { results, usage: { ...usage, attempts } };
    },
  };
}
