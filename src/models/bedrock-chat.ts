import { ConverseStreamCommand, CountTokensCommand, type BedrockRuntimeClient, type ConverseStreamCommandInput, type GuardrailTraceAssessment } from '@aws-sdk/client-bedrock-runtime';
import type { KbConfig } from '../config.js';
import { isAbortError } from '../errors.js';
import { createBedrockClient } from './bedrock-client.js';
import { type BedrockCallContext, toModelCallError } from './bedrock-errors.js';
import type { ChatModel, ChatReply, ChatRequest, CountTokensFn, InferenceParams } from './chat-model.js';
import { estimateTokens } from '../text/estimate-tokens.js';
import { interventionFromTrace } from './guardrail-reason.js';
import { APPLICATION_PROFILE_ARN, resolveModelId } from './model-catalog.js';
import { retryModelCall, type RetryContext } from './retry-model-call.js';
import { retryPolicyFor } from './retry-policy-for.js';

export interface BedrockChatOptions {
  config: Pick<KbConfig, 'answer' | 'bedrock'> & { env?: { bearerToken?: string | undefined } };
  /** Defaults to one from createBedrockClient (one attempt, HTTP/2, timeouts, credentials). */
  client?: BedrockRuntimeClient;
  /** Random source and sleep of the retry policy; injected by tests. */
  retry?: Pick<RetryContext, 'random' | 'sleep'>;
}

/**
 * A Converse model on Bedrock (Claude, Nova, any Converse model id, inference profile or application profile
 * ARN) as a ChatModel: streams through ConverseStream, one client for the model's life, each call retried by
 * core's retryModelCall until the first text reaches the caller (after that a retry would repeat text).
 */
export function createBedrockChatModel({ config, client, retry = {} }: BedrockChatOptions): ChatModel {
  const { answer, bedrock } = config;
  const sdk = client ?? createBedrockClient({ bedrock, bearerToken: config.env?.bearerToken });
  const modelId = answer.model;
  const context: BedrockCallContext = { modelId, kind: 'chat', ...(bedrock.region ? { region: bedrock.region } : {}), ...(bedrock.endpoint ? { endpoint: bedrock.endpoint } : {}) };
  const policy = retryPolicyFor(bedrock);
  const catalogued = resolveModelId(APPLICATION_PROFILE_ARN.test(modelId) ? (bedrock.applicationProfiles[modelId] ?? modelId) : modelId)?.model;
  // Prompt caching where the catalogue says the model has it, unless answer.promptCaching is off.
  const cache = answer.promptCaching !== false ? catalogued?.promptCache : undefined;

  async function chat(request: ChatRequest): Promise<ChatReply> {
    let sentText = false;
    const onToken = (piece: string) => {
      sentText = true;
      request.onToken?.(piece);
    };
    const { value } = await retryModelCall(() => streamOnce(sdk, converseInput(modelId, request, cache), { ...request, onToken }, context), {
      ...retry,
      policy,
      canRetry: () => !sentText,
      ...(request.signal ? { signal: request.signal } : {}),
    });
    return value;
  }
  // CountTokens (POST /model/{modelId}/count-tokens) is free; it counts the same system and messages Converse gets.
  // It takes a foundation-model id, not an inference profile: the profile's model is counted.
  const countTokens: CountTokensFn = async (prompt, signal) => {
    const { system, messages } = converseInput(modelId, { ...prompt, params: {} });
    const once = async () => {
      try {
        const out = await sdk.send(new CountTokensCommand({ modelId: catalogued?.id ?? modelId, input: { converse: { system, messages } } }), signal ? { abortSignal: signal } : {});
        return out.inputTokens ?? 0;
      } catch (error) {
        if (signal?.aborted) throw isAbortError(error) ? error : abortError(signal);
        throw toModelCallError(error, context);
      }
    };
    return (await retryModelCall(once, { ...retry, policy, ...(signal ? { signal } : {}) })).value;
  };
  return { modelId, chat, ...(catalogued?.countTokens ? { countTokens } : {}) };
}

async function streamOnce(sdk: BedrockRuntimeClient, input: ConverseStreamCommandInput, request: ChatRequest, context: BedrockCallContext): Promise<ChatReply> {
  const { signal } = request;
  const reply: ChatReply = { text: '', inputTokens: 0, outputTokens: 0 };
  let callerError: unknown;
  let trace: GuardrailTraceAssessment | undefined;
  try {
    const response = await sdk.send(new ConverseStreamCommand(input), signal ? { abortSignal: signal } : {});
    for await (const event of response.stream ?? []) {
      const piece = event.contentBlockDelta?.delta?.text;
      if (piece) {
        reply.text += piece;
        try {
          request.onToken?.(piece);
        } catch (error) {
          callerError = error;
          throw error;
        }
      }
      if (event.messageStop?.stopReason) reply.stopReason = event.messageStop.stopReason;
      if (event.metadata?.trace?.guardrail) trace = event.metadata.trace.guardrail;
      const usage = event.metadata?.usage;
      if (usage) {
        reply.inputTokens = usage.inputTokens ?? 0;
        reply.outputTokens = usage.outputTokens ?? 0;
        if (usage.cacheReadInputTokens) reply.cacheReadTokens = usage.cacheReadInputTokens;
        if (usage.cacheWriteInputTokens) reply.cacheWriteTokens = usage.cacheWriteInputTokens;
      }
      // Errors inside the stream arrive as events, not exceptions.
      const streamError = event.throttlingException ?? event.serviceUnavailableException ?? event.internalServerException ?? event.modelStreamErrorException ?? event.validationException;
      if (streamError) throw streamError;
    }
    signal?.throwIfAborted();
  } catch (error) {
    if (signal?.aborted) throw isAbortError(error) ? error : abortError(signal);
    // A failing onToken is the caller's error, not a model failure.
    if (error === callerError) throw error;
    throw toModelCallError(error, context);
  }
  if (reply.stopReason === 'guardrail_intervened') reply.guardrail = interventionFromTrace(trace);
  return reply;
}

/**
 * Our request as a ConverseStream input: Anthropic's top_k goes in additionalModelRequestFields, as Converse has
 * none. With `cache`, cache points mark the stable prefix (see cachePoints).
 */
export function converseInput(modelId: string, { system, messages, params }: Pick<ChatRequest, 'system' | 'messages' | 'params'>, cache?: { minTokens: number }): ConverseStreamCommandInput {
  const points = cache ? cachePoints(system, messages, cache.minTokens) : { afterSystem: false, afterTurn: -1 };
  const CACHE_POINT = { cachePoint: { type: 'default' as const } };
  return {
    modelId,
    system: [{ text: system }, ...(points.afterSystem ? [CACHE_POINT] : [])],
    messages: messages.map((turn, i) => ({ role: turn.role, content: [{ text: turn.content }, ...(i === points.afterTurn ? [CACHE_POINT] : [])] })),
    inferenceConfig: inferenceConfig(params),
    ...(params.topK !== undefined ? { additionalModelRequestFields: topKField(modelId, params.topK) } : {}),
    ...(params.guardrail ? { guardrailConfig: { guardrailIdentifier: params.guardrail.id, guardrailVersion: params.guardrail.version, trace: params.guardrail.trace ?? 'enabled' } } : {}),
  };
}

/**
 * Where prompt-cache points go: after the system prompt, and after the last turn of history (the turns before the
 * question, which a follow-up question repeats), each only when the prefix up to it reaches the model's minimum
 * (a shorter prefix is not cached, and a cache write costs more than plain input). Estimated at chars/4.
 */
export function cachePoints(system: string, messages: ChatRequest['messages'], minTokens: number): { afterSystem: boolean; afterTurn: number } {
  const systemTokens = estimateTokens(system);
  const lastHistory = messages.length - 2;
  const historyTokens = messages.slice(0, Math.max(0, lastHistory + 1)).reduce((sum, t) => sum + estimateTokens(t.content), 0);
  return { afterSystem: systemTokens >= minTokens, afterTurn: lastHistory >= 0 && systemTokens + historyTokens >= minTokens ? lastHistory : -1 };
}

function inferenceConfig(params: InferenceParams) {
  return {
    ...(params.maxTokens !== undefined ? { maxTokens: params.maxTokens } : {}),
    ...(params.temperature !== undefined ? { temperature: params.temperature } : {}),
    ...(params.topP !== undefined ? { topP: params.topP } : {}),
    ...(params.stopSequences?.length ? { stopSequences: params.stopSequences } : {}),
  };
}

/** Claude takes `top_k`; Nova takes it under an `inferenceConfig` of its own model-specific fields. */
function topKField(modelId: string, topK: number): Record<string, Record<string, number> | number> {
  return resolveModelId(modelId)?.model.family === 'nova' ? { inferenceConfig: { topK } } : { top_k: topK };
}

function abortError(signal: AbortSignal): Error {
  return Object.assign(new Error('The model call was aborted.', { cause: signal.reason }), { name: 'AbortError' });
}
