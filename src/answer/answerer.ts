import type { InferenceParams } from '../models/chat-model.js';
import type { InputGuard } from '../models/bedrock-input-guard.js';
import type { AnswerResult, ChatTurn, Source } from '../types.js';

/** Per-request inference parameters; unset fields fall back to config. */
export type AnswerParams = InferenceParams;

export interface AnswerInput {
  question: string;
  /** Numbered sources, best first; `n` is what the answer cites as [n]. */
  sources: Source[];
  history?: ChatTurn[];
  params?: AnswerParams;
  signal?: AbortSignal;
  /** Called with each piece of answer text as it arrives. */
  onToken?: (text: string) => void;
}

/** Turns a question and its retrieved sources into a cited answer. Two today: extractive (offline) and LLM. */
export interface Answerer {
  readonly modelId: string;
  answer(input: AnswerInput): Promise<AnswerResult>;
  /** A guardrail's check of the question before retrieval (answer.guardrail.checkInput); undefined: it passed. */
  checkInput?: InputGuard;
  /** A standalone search query for a follow-up question, from the conversation so far. */
  rewriteQuery(question: string, history: ChatTurn[], signal?: AbortSignal): Promise<{ query: string; inputTokens: number; outputTokens: number; costUsd?: number }>;
}
