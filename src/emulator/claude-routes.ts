import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChatRequest } from './chat-request.js';
import { promptTokens } from './count-tokens-route.js';
import { estimateTokens } from './estimate-tokens.js';
import { encodeEvent } from './event-stream.js';
import { fakeClaudeReply, splitIntoDeltas } from './fake-claude.js';

export interface ChatReply {
  text: string;
  stopReason: 'end_turn' | 'max_tokens' | 'guardrail_intervened';
  /** Input tokens not read from or written to the prompt cache. */
  inputTokens: number;
  outputTokens: number;
  /** Set when the request had cache points (Converse reports both then). */
  cache?: { cacheReadInputTokens: number; cacheWriteInputTokens: number };
  /** Converse's `trace` (the guardrail's assessments), when a traced guardrail was applied. */
  trace?: unknown;
}

/** Options for the streaming answers. */
export interface StreamOptions {
  /** Pause between events, so a client sees tokens arrive one delta at a time and can abort mid-stream. */
  delayMs: number;
  signal: AbortSignal;
  startedAt: number;
}

/** The fake model's answer, cut at `maxTokens` like a real model would be. */
export function replyTo(request: ChatRequest): ChatReply {
  let text = fakeClaudeReply(request);
  let stopReason: ChatReply['stopReason'] = 'end_turn';
  if (request.maxTokens !== undefined && estimateTokens(text) > request.maxTokens) {
    text = (text.match(/\S+/g) ?? []).slice(0, Math.floor(request.maxTokens / 1.3)).join(' ');
    stopReason = 'max_tokens';
  }
  return { text, stopReason, inputTokens: promptTokens(request), outputTokens: estimateTokens(text) };
}

function usage(reply: ChatReply) {
  const cached = reply.cache ? reply.cache.cacheReadInputTokens + reply.cache.cacheWriteInputTokens : 0;
  return { inputTokens: reply.inputTokens, outputTokens: reply.outputTokens, totalTokens: reply.inputTokens + reply.outputTokens + cached, ...reply.cache };
}

/** The Converse response body. */
export function converseJson(reply: ChatReply, startedAt: number): unknown {
  return {
    output: { message: { role: 'assistant', content: [{ text: reply.text }] } },
    stopReason: reply.stopReason,
    usage: usage(reply),
    metrics: { latencyMs: Date.now() - startedAt },
    ...(reply.trace ? { trace: reply.trace } : {}),
  };
}

/** ConverseStream events: messageStart, contentBlockDelta..., contentBlockStop, messageStop, metadata. */
export async function* converseStreamEvents(reply: ChatReply, options: StreamOptions): AsyncGenerator<Uint8Array> {
  const events: Array<[string, unknown]> = [
    ['messageStart', { role: 'assistant' }],
    ...splitIntoDeltas(reply.text).map((text): [string, unknown] => ['contentBlockDelta', { contentBlockIndex: 0, delta: { text } }]),
    ['contentBlockStop', { contentBlockIndex: 0 }],
    ['messageStop', { stopReason: reply.stopReason }],
  ];
  yield* paced(events, options);
  yield encodeEvent('metadata', { usage: usage(reply), metrics: { latencyMs: Date.now() - options.startedAt }, ...(reply.trace ? { trace: reply.trace } : {}) });
}

/** The Anthropic messages response body InvokeModel returns for Claude. */
export function anthropicJson(reply: ChatReply, modelId: string): unknown {
  return {
    id: `msg_bdrk_${randomUUID().replaceAll('-', '')}`,
    type: 'message',
    role: 'assistant',
    model: modelId,
    content: [{ type: 'text', text: reply.text }],
    stop_reason: reply.stopReason,
    stop_sequence: null,
    usage: { input_tokens: reply.inputTokens, output_tokens: reply.outputTokens },
  };
}

/**
 * InvokeModelWithResponseStream for Claude: each event is a `chunk` whose `bytes` are the base64 JSON of one
 * Anthropic stream event; Bedrock adds its invocation metrics to the last one.
 */
export async function* anthropicStreamEvents(reply: ChatReply, modelId: string, options: StreamOptions): AsyncGenerator<Uint8Array> {
  const message = anthropicJson(reply, modelId) as Record<string, unknown>;
  const events: unknown[] = [
    { type: 'message_start', message: { ...message, content: [], stop_reason: null, usage: { input_tokens: reply.inputTokens, output_tokens: 1 } } },
    { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
    ...splitIntoDeltas(reply.text).map((text) => ({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } })),
    { type: 'content_block_stop', index: 0 },
    { type: 'message_delta', delta: { stop_reason: reply.stopReason, stop_sequence: null }, usage: { output_tokens: reply.outputTokens } },
  ];
  const chunk = (event: unknown): [string, unknown] => ['chunk', { bytes: Buffer.from(JSON.stringify(event)).toString('base64') }];
  yield* paced(events.map(chunk), options);
  const latency = Date.now() - options.startedAt;
  yield encodeEvent(...chunk({
    type: 'message_stop',
    'amazon-bedrock-invocationMetrics': {
      inputTokenCount: reply.inputTokens,
      outputTokenCount: reply.outputTokens,
      invocationLatency: latency,
      firstByteLatency: Math.min(latency, options.delayMs),
    },
  }));
}

async function* paced(events: Array<[string, unknown]>, { delayMs, signal }: StreamOptions): AsyncGenerator<Uint8Array> {
  for (const [type, payload] of events) {
    yield encodeEvent(type, payload);
    await sleep(delayMs, undefined, { signal });
  }
}
