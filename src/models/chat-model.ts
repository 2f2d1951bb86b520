import type { ChatTurn } from '../types.js';
import type { GuardrailIntervention } from './guardrail-reason.js';

/** Inference parameters of one chat call; unset fields are the model's defaults. */
export interface InferenceParams {
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  stopSequences?: string[];
  /** A Bedrock guardrail; its trace is asked for ('enabled' unless said), so an intervention can say why. */
  guardrail?: { id: string; version: string; trace?: 'enabled' | 'enabled_full' | 'disabled' };
}

/** One chat call in our own types: what the answer layer sends to any chat model. */
export interface ChatRequest {
  system: string;
  /** Alternating turns starting and ending with a user turn. */
  messages: ChatTurn[];
  /** Effective inference parameters: config defaults already applied by the caller. */
  params: InferenceParams;
  signal?: AbortSignal;
  /** Called with each piece of text as it arrives (raw: markers are checked only in the final answer). */
  onToken?: (text: string) => void;
}

export interface ChatReply {
  text: string;
  /** Tokens the provider reported; 0 when it did not report. */
  inputTokens: number;
  outputTokens: number;
  /** Prompt-cache tokens, when the model reported them (priced at the cache rates). */
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
  /** Provider stop reason, e.g. "end_turn", "max_tokens", "guardrail_intervened". */
  stopReason?: string;
  /** Set when a guardrail intervened: `text` is then the guardrail's message, not the model's. */
  guardrail?: GuardrailIntervention;
}

export type ChatFn = (request: ChatRequest) => Promise<ChatReply>;

/** Input tokens the model would bill for this system prompt and these turns, counted by the provider. */
export type CountTokensFn = (prompt: Pick<ChatRequest, 'system' | 'messages'>, signal?: AbortSignal) => Promise<number>;

/** A chat model behind the seam: Bedrock Converse today (Claude, Nova), a recording double in tests. */
export interface ChatModel {
  readonly modelId: string;
  chat: ChatFn;
  /** Present when the catalogue says the provider counts this model's tokens (Bedrock CountTokens). */
  countTokens?: CountTokensFn;
}
