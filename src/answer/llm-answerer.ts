import { priceFor, type KbConfig } from '../config.js';
import type { ChatFn, CountTokensFn } from '../models/chat-model.js';
import { costOf } from '../models/model-price.js';
import { estimateTokens } from '../text/estimate-tokens.js';
import type { AnswerResult, ChatTurn } from '../types.js';
import type { AnswerInput, AnswerParams, Answerer } from './answerer.js';
import { buildGroundedPrompt, buildRewritePrompt, isNotFoundAnswer } from './build-grounded-prompt.js';
import { checkSupport } from './check-support.js';
import { fitPromptToBudget } from './fit-prompt-to-budget.js';
import { notFoundAnswer } from './not-found-answer.js';
import { parseCitations } from './parse-citations.js';
import { renumberCitations } from './renumber-citations.js';
import { createStreamRenumberer } from './stream-renumberer.js';

// The chat spec belongs to the model seam; re-exported for the answer layer's callers.
export type { ChatFn, ChatReply, ChatRequest } from '../models/chat-model.js';

export interface LlmAnswererOptions {
  /** Talks to the model; injected so tests use a recording double and the app passes a ChatModel's `chat`. */
  chat: ChatFn;
  config: Pick<KbConfig, 'answer' | 'prices'> & { bedrock?: Pick<KbConfig['bedrock'], 'applicationProfiles'> };
  /** Recorded in results and used for prices; defaults to config.answer.model. */
  modelId?: string;
  /** The provider's token count (a ChatModel's `countTokens`): prompts near the budget are packed to it. */
  countTokens?: CountTokensFn;
}

const REWRITE_MAX_TOKENS = 120;

/** An Answerer that asks a chat model for a cited answer grounded in the sources. */
export function createLlmAnswerer({ chat, config, modelId = config.answer.model, countTokens }: LlmAnswererOptions): Answerer {
  const defaults = config.answer;

  async function answer({ question, sources, history = [], params: overrides, signal, onToken }: AnswerInput): Promise<AnswerResult> {
    const params = effectiveParams(defaults, overrides);
    const fitted = await fitPromptToBudget({
      build: (contextTokens) => buildGroundedPrompt({ question, sources, history, contextTokens, maxOutputTokens: params.maxTokens, maxSourceTokens: defaults.maxSourceTokens }),
      contextTokens: defaults.contextTokens,
      maxOutputTokens: params.maxTokens,
      ...(countTokens ? { countTokens } : {}),
      ...(signal ? { signal } : {}),
    });
    const prompt = fitted.prompt;
    // Nothing to ground an answer in: saying so costs no model call.
    if (prompt.packedSources.length === 0) {
      const none = notFoundAnswer([], modelId);
      onToken?.(none.answer);
      return none;
    }
    // The model cites the prompt's numbers; the reader sees sources numbered in the order they are cited.
    const stream = createStreamRenumberer(prompt.packedSources);
    const emit = onToken ? (text: string) => text && onToken(text) : undefined;
    const reply = await chat({ system: prompt.system, messages: prompt.messages, params, ...(signal ? { signal } : {}), ...(emit ? { onToken: (t: string) => emit(stream.push(t)) } : {}) });
    emit?.(stream.end());
    const parsed = parseCitations(reply.text, prompt.packedSources);
    const support = checkSupport({ citedSentences: parsed.citedSentences, sources: prompt.packedSources });
    const numbered = renumberCitations({
      answer: parsed.text,
      citations: parsed.citations.map((c) => ({ ...c, supported: support.supported.get(c.n) ?? false })),
      sources: prompt.packedSources,
    });
    const citations = numbered.citations;
    const blocked = reply.stopReason === 'guardrail_intervened';
    // A provider that reports no usage gets our estimate: a cost shown low is worse than one shown rough.
    const cache = { ...(reply.cacheReadTokens ? { cacheReadTokens: reply.cacheReadTokens } : {}), ...(reply.cacheWriteTokens ? { cacheWriteTokens: reply.cacheWriteTokens } : {}) };
    const reported = reply.inputTokens > 0 || Object.keys(cache).length > 0;
    const inputTokens = reported ? reply.inputTokens : (fitted.countedTokens ?? prompt.estimatedInputTokens);
    const outputTokens = reply.outputTokens || estimateTokens(reply.text);
    const usd = costUsd({ inputTokens, outputTokens, ...cache });
    return {
      answer: numbered.answer,
      found: !blocked && !(citations.length === 0 && isNotFoundAnswer(parsed.text)),
      citations,
      sources: numbered.sources,
      usage: { inputTokens, outputTokens, embeddingTokens: 0, ...cache },
      ...(usd !== undefined ? { cost: { usd, byModel: { [modelId]: usd } } } : {}),
      ...(parsed.removedMarkers > 0 ? { removedMarkers: parsed.removedMarkers } : {}),
      model: modelId,
      ...(blocked ? { guardrail: reply.guardrail ?? { action: 'intervened' as const, source: 'input' as const, reason: 'The guardrail intervened (no trace was returned).' } } : {}),
    };
  }

  /** Cache tokens at the catalogue's (or kb.config.json's) cache prices. */
  function costUsd(usage: Parameters<typeof costOf>[1]): number | undefined {
    const price = priceFor(config, modelId);
    return price ? costOf(price, usage) : undefined;
  }

  async function rewriteQuery(question: string, history: ChatTurn[], signal?: AbortSignal) {
    // A first question is already standalone.
    if (!history.some((turn) => turn.content.trim())) return { query: question.trim(), inputTokens: 0, outputTokens: 0 };
    const prompt = buildRewritePrompt({ question, history });
    const params: AnswerParams = {
      maxTokens: REWRITE_MAX_TOKENS,
      temperature: 0,
      ...(defaults.guardrail ? { guardrail: { id: defaults.guardrail.id, version: defaults.guardrail.version, trace: defaults.guardrail.trace } } : {}),
    };
    const reply = await chat({ ...prompt, params, ...(signal ? { signal } : {}) });
    const usd = costUsd({ inputTokens: reply.inputTokens, outputTokens: reply.outputTokens });
    // A guardrail's message is no search query: search with the question, and let the answer call report the intervention.
    const rewritten = reply.stopReason === 'guardrail_intervened' ? '' : cleanQuery(reply.text);
    return { query: rewritten || question.trim(), inputTokens: reply.inputTokens, outputTokens: reply.outputTokens, ...(usd !== undefined ? { costUsd: usd } : {}) };
  }

  return { modelId, answer, rewriteQuery };
}

/** Config defaults overlaid with the request's set fields; maxTokens is always explicit. */
export function effectiveParams(defaults: KbConfig['answer'], overrides: AnswerParams = {}): AnswerParams & { maxTokens: number } {
  const set = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) as AnswerParams;
  return {
    temperature: defaults.temperature,
    ...(defaults.topP !== undefined ? { topP: defaults.topP } : {}),
    ...(defaults.topK !== undefined ? { topK: defaults.topK } : {}),
    ...(defaults.stopSequences ? { stopSequences: defaults.stopSequences } : {}),
    ...(defaults.guardrail ? { guardrail: { id: defaults.guardrail.id, version: defaults.guardrail.version, trace: defaults.guardrail.trace } } : {}),
    ...set,
    maxTokens: set.maxTokens ?? defaults.maxTokens,
  };
}

/** First non-empty line, without a "Query:" label or wrapping quotes. */
function cleanQuery(text: string): string {
  const line = text.split('\n').map((l) => l.trim()).find(Boolean) ?? '';
  return line
    .replace(/^(standalone\s+)?(search\s+)?query\s*:\s*/i, '')
    .replace(/^["'“](.*)["'”]$/, '$1')
    .trim()
    .slice(0, 500);
}
