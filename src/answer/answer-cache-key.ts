import { createHash } from 'node:crypto';
import type { ChatTurn, SearchFilters } from '../types.js';
import type { AnswerParams } from './answerer.js';

/** Everything an answer depends on; two questions with equal keys get the same answer. */
export interface AnswerCacheKeyInput {
  question: string;
  history?: ChatTurn[];
  filters?: SearchFilters;
  topK?: number;
  /** The request's inference parameters (config defaults are part of `settings`). */
  params?: AnswerParams;
  /** The answer model. */
  model: string;
  /** The knowledge base generation: any committed index change makes every earlier entry unreachable. */
  generation: number;
  /** Configuration the answer depends on (answer and retrieval settings), compared as JSON. */
  settings?: unknown;
}

/**
 * A hex SHA-256 over the canonical JSON of the inputs. The question is normalised (NFKC, case, runs of
 * whitespace, trailing ?!. and spaces), so "How long is notice?" and "how long is  notice" share an entry.
 */
export function answerCacheKey(input: AnswerCacheKeyInput): string {
  const canonical = {
    v: 1,
    question: normaliseQuestion(input.question),
    history: (input.history ?? []).map((t) => [t.role, t.content.trim()]),
    filters: input.filters ?? null,
    topK: input.topK ?? null,
    params: input.params ?? null,
    model: input.model,
    generation: input.generation,
    settings: input.settings ?? null,
  };
  return createHash('sha256').update(stableJson(canonical)).digest('hex');
}

export function normaliseQuestion(question: string): string {
  return question.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').replace(/[\s?!.]+$/u, '').trim();
}

/** JSON with object keys sorted and undefined fields dropped, so equal values give equal text. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}
