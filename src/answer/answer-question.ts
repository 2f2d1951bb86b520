import type { Retriever, RetrieveOptions } from '../retrieve/create-retriever.js';
import type { RerankUsage } from '../models/reranker.js';
import type { RerankedRetrievalResult, RerankRetrieveOptions } from '../retrieve/with-reranker.js';
import type { AnswerResult, ChatTurn, Source } from '../types.js';
import type { Answerer, AnswerParams } from './answerer.js';
import { notFoundAnswer } from './not-found-answer.js';

// Once the question passes the gate, a chunk covering half as much as the best one still earns its place:
// the passage that answers often words the question differently ("at least 14 characters" for "minimum length").
const SOURCE_SHARE_OF_BEST = 0.5;

export interface AnswerQuestionInput {
  question: string;
  retriever: Pick<Retriever, 'retrieve'>;
  answerer: Answerer;
  history?: ChatTurn[];
  topK?: number;
  filters?: RetrieveOptions['filters'];
  params?: AnswerParams;
  /** Per request, for a retriever wrapped by withReranker: false skips the reranker, rerankTopN overrides its topN. */
  rerank?: boolean;
  rerankTopN?: number;
  /**
   * The refusal gate: least share of the question's (IDF-weighted) terms the best retrieved chunk must cover,
   * or the question is refused without an answerer call (calibrated default: src/retrieve/coverage-gate.ts).
   */
  minCoverage: number;
  signal?: AbortSignal;
  onToken?: (text: string) => void;
  /** Called once the sources are known, before any answer text; numbered by rank (the result renumbers them in citation order). */
  onSources?: (sources: Source[]) => void;
}

export interface AnsweredQuestion extends AnswerResult {
  query: string;
  /** The rerank call, when the retriever reranked: sources scored, billed queries, cost (already in `cost`). */
  rerank?: RerankUsage;
  /** True when the answer came from the answer cache (no model call; usage and cost are zero). */
  cached?: boolean;
  timings: { retrieveMs: number; answerMs: number; totalMs: number };
}

/**
 * Question -> (standalone query) -> ranked chunks -> relevant sources -> answer. When no chunk covers enough
 * of the question (the calibrated gate) the answer says so without calling the model.
 */
export async function answerQuestion(input: AnswerQuestionInput): Promise<AnsweredQuestion> {
  const t0 = performance.now();
  const { question, retriever, answerer, history = [], signal } = input;
  // A question the guardrail blocks is answered with its message: nothing is retrieved, no model is called.
  const blocked = await answerer.checkInput?.(question, signal);
  if (blocked) {
    const { message, ...guardrail } = blocked;
    input.onSources?.([]);
    input.onToken?.(message);
    const ms = performance.now() - t0;
    return { ...notFoundAnswer([], answerer.modelId), answer: message, guardrail, query: question, timings: { retrieveMs: 0, answerMs: ms, totalMs: ms } };
  }
  let query = question;
  let rewriteTokens = { inputTokens: 0, outputTokens: 0, costUsd: 0 };
  if (history.length) {
    const rewritten = await answerer.rewriteQuery(question, history, signal);
    query = rewritten.query;
    rewriteTokens = { inputTokens: rewritten.inputTokens, outputTokens: rewritten.outputTokens, costUsd: rewritten.costUsd ?? 0 };
  }
  const options: RerankRetrieveOptions = {
    ...(input.topK ? { topK: input.topK } : {}),
    ...(input.filters ? { filters: input.filters } : {}),
    ...(signal ? { signal } : {}),
    ...(input.rerank !== undefined ? { rerank: input.rerank } : {}),
    ...(input.rerankTopN !== undefined ? { rerankTopN: input.rerankTopN } : {}),
  };
  const retrieval: RerankedRetrievalResult = await retriever.retrieve(query, options);
  const t1 = performance.now();
  const best = Math.max(0, ...retrieval.chunks.map((c) => c.coverage));
  const sources: Source[] = retrieval.chunks
    .filter((c) => best >= input.minCoverage && c.coverage >= SOURCE_SHARE_OF_BEST * best)
    .map((c, i) => ({ n: i + 1, chunkId: c.id, documentId: c.documentId, path: c.path, ...(c.page !== undefined ? { page: c.page } : {}), ...(c.heading ? { heading: c.heading } : {}), text: c.text, score: c.score }));
  input.onSources?.(sources);
  const result = sources.length
    ? await answerer.answer({ question, sources, history, ...(input.params ? { params: input.params } : {}), ...(signal ? { signal } : {}), ...(input.onToken ? { onToken: input.onToken } : {}) })
    : notFoundAnswer([], answerer.modelId);
  if (!sources.length) input.onToken?.(result.answer);
  result.usage.inputTokens += rewriteTokens.inputTokens;
  // The question's embedding is a model call too: its tokens and cost belong in the answer's.
  if (retrieval.embedding) {
    result.usage.embeddingTokens += retrieval.embedding.inputTokens;
    if (retrieval.embedding.costUsd) {
      const byModel = { ...(result.cost?.byModel ?? {}) };
      byModel[retrieval.embedding.model] = (byModel[retrieval.embedding.model] ?? 0) + retrieval.embedding.costUsd;
      result.cost = { usd: (result.cost?.usd ?? 0) + retrieval.embedding.costUsd, byModel };
    }
  }
  // So is the rerank call: priced per query, not per token.
  if (retrieval.rerank?.costUsd) {
    const byModel = { ...(result.cost?.byModel ?? {}) };
    byModel[retrieval.rerank.model] = (byModel[retrieval.rerank.model] ?? 0) + retrieval.rerank.costUsd;
    result.cost = { usd: (result.cost?.usd ?? 0) + retrieval.rerank.costUsd, byModel };
  }
  result.usage.outputTokens += rewriteTokens.outputTokens;
  if (rewriteTokens.costUsd) {
    // The rewrite is a model call too: its cost belongs in the answer's cost.
    const byModel = { ...(result.cost?.byModel ?? {}) };
    byModel[answerer.modelId] = (byModel[answerer.modelId] ?? 0) + rewriteTokens.costUsd;
    result.cost = { usd: (result.cost?.usd ?? 0) + rewriteTokens.costUsd, byModel };
  }
  const t2 = performance.now();
  const rerank = retrieval.rerank ? { model: retrieval.rerank.model, documents: retrieval.rerank.documents, queries: retrieval.rerank.queries, attempts: retrieval.rerank.attempts, ...(retrieval.rerank.costUsd !== undefined ? { costUsd: retrieval.rerank.costUsd } : {}) } : undefined;
  return { ...result, query, ...(rerank ? { rerank } : {}), timings: { retrieveMs: t1 - t0, answerMs: t2 - t1, totalMs: t2 - t0 } };
}
