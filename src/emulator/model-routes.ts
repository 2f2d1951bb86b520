import { parseAnthropicBody, parseConverseBody } from './chat-request.js';
import { anthropicJson, anthropicStreamEvents, converseJson, converseStreamEvents, replyTo } from './claude-routes.js';
import type { EmulatorResponse } from './dual-protocol-server.js';
import { invokeEmbeddingModel } from './embedding-routes.js';
import type { EmulatorStats } from './emulator-stats.js';
import type { CatalogModel } from '../models/model-catalog.js';
import { countTokens, promptTokens } from './count-tokens-route.js';
import { type EmulatedGuardrail, guardConverse } from './guardrail-routes.js';
import { cachePrefixes, type PromptCache } from './prompt-cache.js';
import { sendEventStream, sendJson, type StreamEnd } from './send-response.js';
import { validationError } from './service-error.js';

export type Route = 'invoke' | 'converse' | 'converse-stream' | 'invoke-with-response-stream' | 'count-tokens';

export interface ModelCall {
  res: EmulatorResponse;
  route: Route;
  model: CatalogModel;
  modelId: string;
  body: unknown;
  stats: EmulatorStats;
  streamDelayMs: number;
  promptCache: PromptCache;
  guardrails: Record<string, EmulatedGuardrail>;
}

/**
 * Answers an authorised, unthrottled model call, or throws the ServiceError Bedrock would answer with; a
 * streamed reply resolves with how it ended.
 */
export async function answerModelCall({ res, route, model, modelId, body, stats, streamDelayMs, promptCache, guardrails }: ModelCall): Promise<StreamEnd | void> {
  const startedAt = Date.now();
  const family = model.family;
  if (route === 'count-tokens') return sendJson(res, 200, countTokens(model, body));
  if (route === 'invoke' && (family === 'titan-v1' || family === 'titan-v2' || family === 'cohere')) {
    const result = invokeEmbeddingModel(family, body);
    stats.embeddedTexts += result.textCount;
    stats.inputTokens += result.inputTokens;
    return sendJson(res, 200, result.json, {
      'x-amzn-bedrock-input-token-count': String(result.inputTokens),
      'x-amzn-bedrock-invocation-latency': String(Date.now() - startedAt),
    });
  }
  // Nova speaks Converse here; its own InvokeModel body format is not emulated.
  if (family !== 'anthropic' && !(family === 'nova' && (route === 'converse' || route === 'converse-stream'))) {
    throw validationError(
      route === 'invoke-with-response-stream'
        ? 'The model is unsupported for streaming.'
        : "This action doesn't support the model that you provided. Try again with a supported text or chat model.",
    );
  }
  const converse = route === 'converse' || route === 'converse-stream';
  const request = converse ? parseConverseBody(body) : parseAnthropicBody(body);
  // What Bedrock answers a prompt that, with the answer's budget, does not fit the model's context window.
  if (model.contextTokens !== undefined && promptTokens(request) + (request.maxTokens ?? 0) > model.contextTokens) {
    throw validationError('Input is too long for requested model.');
  }
  const modelReply = replyTo(request);
  const reply = converse ? guardConverse(body, modelReply, guardrails) : modelReply;
  const prefixes = converse ? cachePrefixes(body as { system?: unknown; messages?: unknown }) : [];
  if (prefixes.length > 0) {
    // A model without prompt caching ignores cache points here; both counts are reported either way.
    const cache = model.promptCache ? promptCache.use(prefixes, model.promptCache.minTokens) : { cacheReadInputTokens: 0, cacheWriteInputTokens: 0 };
    reply.inputTokens = Math.max(0, reply.inputTokens - cache.cacheReadInputTokens - cache.cacheWriteInputTokens);
    reply.cache = cache;
    stats.cacheReadInputTokens += cache.cacheReadInputTokens;
    stats.cacheWriteInputTokens += cache.cacheWriteInputTokens;
  }
  stats.inputTokens += reply.inputTokens;
  stats.outputTokens += reply.outputTokens;
  const stream = { delayMs: streamDelayMs, startedAt };
  switch (route) {
    case 'converse':
      return sendJson(res, 200, converseJson(reply, startedAt));
    case 'converse-stream':
      return sendEventStream(res, (signal) => converseStreamEvents(reply, { ...stream, signal }));
    case 'invoke-with-response-stream':
      return sendEventStream(res, (signal) => anthropicStreamEvents(reply, modelId, { ...stream, signal }), {
        'x-amzn-bedrock-content-type': 'application/json',
      });
    case 'invoke':
      return sendJson(res, 200, anthropicJson(reply, modelId), {
        'x-amzn-bedrock-input-token-count': String(reply.inputTokens),
        'x-amzn-bedrock-output-token-count': String(reply.outputTokens),
        'x-amzn-bedrock-invocation-latency': String(Date.now() - startedAt),
      });
  }
}
