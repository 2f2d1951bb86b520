import type { AnswerResult, Source } from '../types.js';

export const NOT_FOUND_TEXT = 'I could not find an answer to that in the knowledge base.';

/** The honest answer when the sources do not contain one: no citations, no guess. */
export function notFoundAnswer(sources: Source[], model: string): AnswerResult {
  return { answer: NOT_FOUND_TEXT, found: false, citations: [], sources, usage: { inputTokens: 0, outputTokens: 0, embeddingTokens: 0 }, model };
}
