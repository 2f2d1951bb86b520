import type { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { ChatBedrockConverse } from '@langchain/aws';
import { AIMessage, HumanMessage, SystemMessage } from '@langchain/core/messages';
import type { ChatReply, ChatRequest } from '../answer/llm-answerer.js';
import type { KbConfig } from '../config.js';
import { isAbortError } from '../errors.js';
import { createBedrockClient } from './bedrock-client.js';
import { toModelCallError } from './bedrock-errors.js';

const REGION_FROM_CLIENT = 'from-client';

export interface ChatModelOptions {
  config: Pick<KbConfig, 'answer' | 'bedrock'> & { env?: { bearerToken?: string } };
  /** Defaults to one from createBedrockClient (SDK retries, HTTP/2, timeouts, credentials). */
  client?: BedrockRuntimeClient;
}

/**
 * Claude (or any Converse model) on Bedrock as a LangChain chat model, so it plugs into LangChain as is. It
 * streams, and always sends maxTokens: without it Bedrock applies a per-model default that may cut answers
 * short or allow runaway ones.
 */
export function createChatModel({ config, client }: ChatModelOptions): ChatBedrockConverse {
  const { answer, bedrock } = config;
  return new ChatBedrockConverse({
    model: answer.model,
    client: client ?? createBedrockClient({ bedrock, ...(config.env?.bearerToken ? { bearerToken: config.env.bearerToken } : {}) }),
    // The client carries the real region; LangChain only needs a non-empty value when it does not build the client.
    region: bedrock.region ?? REGION_FROM_CLIENT,
    streaming: true,
    // The SDK client already retries (adaptive mode); a LangChain layer on top would multiply the attempts.
    maxRetries: 0,
    streamIdleTimeout: bedrock.requestTimeoutMs,
    ...inferenceFields({
      maxTokens: answer.maxTokens,
      temperature: answer.temperature,
      ...(answer.topP !== undefined ? { topP: answer.topP } : {}),
      ...(answer.topK !== undefined ? { topK: answer.topK } : {}),
      ...(answer.guardrail ? { guardrail: answer.guardrail } : {}),
    }),
  });
}

export interface StreamChatInput extends ChatRequest {
  model: ChatBedrockConverse;
}

/**
 * One streamed Converse call in our own types: ChatTurn[] in, text and token counts out, each text piece
 * passed to `onToken` as it arrives. Request params override the model's fields; stop sequences come only
 * from params (a LangChain model holds none). Service errors become ModelCallError; an abort rejects with an
 * AbortError and closes the HTTP/2 stream.
 */
export async function streamChat({ model, system, messages, params, signal, onToken }: StreamChatInput): Promise<ChatReply> {
  const base = model.additionalModelRequestFields as Record<string, unknown> | undefined;
  const call = new ChatBedrockConverse({
    model: model.model,
    client: model.client,
    region: model.region,
    streaming: true,
    maxRetries: 0,
    streamIdleTimeout: model.streamIdleTimeout,
    maxTokens: model.maxTokens,
    temperature: model.temperature,
    topP: model.topP,
    ...(model.additionalModelRequestFields ? { additionalModelRequestFields: model.additionalModelRequestFields } : {}),
    ...(model.guardrailConfig ? { guardrailConfig: model.guardrailConfig } : {}),
    ...inferenceFields(params, base),
  });
  const input = [new SystemMessage(system), ...messages.map((turn) => (turn.role === 'user' ? new HumanMessage(turn.content) : new AIMessage(turn.content)))];
  let text = '';
  let inputTokens = 0;
  let outputTokens = 0;
  let stopReason: string | undefined;
  let callerError: unknown;
  try {
    const stream = await call.stream(input, { ...(signal ? { signal } : {}), ...(params.stopSequences?.length ? { stop: params.stopSequences } : {}) });
    for await (const chunk of stream) {
      const piece = chunk.text;
      if (piece) {
        text += piece;
        try {
          onToken?.(piece);
        } catch (error) {
          callerError = error;
          throw error;
        }
      }
      if (chunk.usage_metadata) {
        inputTokens = chunk.usage_metadata.input_tokens;
        outputTokens = chunk.usage_metadata.output_tokens;
      }
      const stop = (chunk.response_metadata as { messageStop?: { stopReason?: string } }).messageStop?.stopReason;
      if (stop) stopReason = stop;
    }
    // LangChain ends the stream quietly when the signal fires between chunks.
    signal?.throwIfAborted();
  } catch (error) {
    if (signal?.aborted) throw isAbortError(error) ? error : abortError(signal);
    // A failing onToken is the caller's error, not a model failure.
    if (error === callerError) throw error;
    throw toModelCallError(error, { modelId: model.model, ...(model.region !== REGION_FROM_CLIENT ? { region: model.region } : {}) });
  }
  return { text, inputTokens, outputTokens, ...(stopReason ? { stopReason } : {}) };
}

/** Our params as ChatBedrockConverse fields: Claude's top_k goes in additionalModelRequestFields, guardrails in guardrailConfig. */
function inferenceFields(params: ChatRequest['params'], baseAdditional?: Record<string, unknown>) {
  return {
    ...(params.maxTokens !== undefined ? { maxTokens: params.maxTokens } : {}),
    ...(params.temperature !== undefined ? { temperature: params.temperature } : {}),
    ...(params.topP !== undefined ? { topP: params.topP } : {}),
    // Converse has no top-k field; Anthropic models take it as top_k in the model-specific fields.
    ...(params.topK !== undefined ? { additionalModelRequestFields: { ...baseAdditional, top_k: params.topK } } : {}),
    ...(params.guardrail ? { guardrailConfig: { guardrailIdentifier: params.guardrail.id, guardrailVersion: params.guardrail.version } } : {}),
  };
}

function abortError(signal: AbortSignal): Error {
  return Object.assign(new Error('The model call was aborted.', { cause: signal.reason }), { name: 'AbortError' });
}
