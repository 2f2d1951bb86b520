import { BedrockAgentRuntimeClient, RerankCommand, type RerankCommandInput } from '@aws-sdk/client-bedrock-agent-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { KbConfig } from '../config.js';
import { ConfigError, isAbortError } from '../errors.js';
import { checkedRegion } from './bedrock-client.js';
import { toModelCallError } from './bedrock-errors.js';
import { MODEL_CATALOG, RERANK_DOCUMENTS_PER_QUERY, resolveModelId } from './model-catalog.js';
import { modelPrice } from './model-price.js';
import { checkRerankInput } from './rerank-input-error.js';
import type { Reranker } from './reranker.js';
import { retryModelCall, type RetryContext } from './retry-model-call.js';
import { retryPolicyFor } from './retry-policy-for.js';

export interface BedrockRerankerOptions {
  config: Pick<KbConfig, 'retrieval' | 'bedrock' | 'prices'>;
  /** Defaults to a client for the rerank region (one attempt, SigV4, the request timeout). */
  client?: BedrockAgentRuntimeClient;
  retry?: Pick<RetryContext, 'random' | 'sleep'>;
}

const ARN = /^arn:aws[\w-]*:bedrock:([a-z0-9-]*)::foundation-model\/(.+)$/;

/** The model and region a rerank configuration names, checked against the catalogue: a ConfigError that says the fix, otherwise. */
export function resolveRerankModel(config: Pick<KbConfig, 'retrieval' | 'bedrock'>): { modelId: string; region: string; modelArn: string } {
  const { model, region: rerankRegion } = config.retrieval.rerank;
  const arn = ARN.exec(model);
  const modelId = arn ? arn[2]! : model;
  const region = checkedRegion(rerankRegion ?? (arn?.[1] || undefined) ?? config.bedrock.region);
  const rerankers = MODEL_CATALOG.filter((m) => m.kind === 'rerank');
  const known = resolveModelId(modelId)?.model;
  if (!known || known.kind !== 'rerank') {
    throw new ConfigError(`retrieval.rerank.model "${model}" is not a Bedrock rerank model. Use one of ${rerankers.map((m) => m.id).join(', ')} (KB_RERANK_MODEL).`);
  }
  if (arn?.[1] && arn[1] !== region) {
    throw new ConfigError(`retrieval.rerank.model is an ARN in ${arn[1]} but Rerank would be called in ${region}. Use the bare model id ${modelId}, or the same region in both.`);
  }
  if (!known.regions.includes(region)) {
    throw new ConfigError(
      `Bedrock Rerank (${known.id}) is not offered in ${region}. Set retrieval.rerank.region (KB_RERANK_REGION) to one of ${known.regions.join(', ')}, ` +
        `or turn reranking off (retrieval.rerank.enabled false, KB_RERANK=false).`,
    );
  }
  return { modelId: known.id, region, modelArn: `arn:aws:bedrock:${region}::foundation-model/${known.id}` };
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
