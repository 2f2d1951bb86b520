import { STOPWORDS } from '../text/stopwords.js';
import { words } from '../text/analyze-terms.js';

/**
 * An FTS5 MATCH expression that ORs the question's content words, each quoted so FTS syntax in user text
 * (AND, NEAR, quotes, colons) is never interpreted. FTS5's porter tokenizer stems them. Empty when the
 * question has no content words.
 */
export function buildFtsQuery(question: string, maxTerms = 32): string {
  const terms = [...new Set(words(question).filter((w) => !STOPWORDS.has(w) && (w.length > 1 || /\d/.test(w))))].slice(0, maxTerms);
  return terms.map((t) => `"${t.replace(/"/g, '""')}"`).join(' OR ');
}
