import { analyzeTerms, words } from '../text/analyze-terms.js';
import type { ChatTurn } from '../types.js';

const MAX_USER_TURNS = 2;
const MAX_EXTRA_WORDS = 12;

/**
 * A search query for a follow-up without a model: the question plus content words of the most recent user
 * turns (newest first, bounded) that the question does not already have. "And for contractors?" after "How
 * long is the notice period?" searches for "And for contractors? notice period". Keyword and vector search
 * both tolerate the extra words; a wrong topic drift is bounded by MAX_EXTRA_WORDS.
 */
export function rewriteQueryOffline(question: string, history: ChatTurn[] = []): string {
  const base = question.trim();
  const seen = new Set(analyzeTerms(base));
  const extra: string[] = [];
  const recent = history.filter((turn) => turn.role === 'user').slice(-MAX_USER_TURNS).reverse();
  for (const turn of recent) {
    for (const word of words(turn.content)) {
      const term = analyzeTerms(word)[0];
      if (term === undefined || seen.has(term)) continue;
      seen.add(term);
      extra.push(word);
      if (extra.length === MAX_EXTRA_WORDS) return `${base} ${extra.join(' ')}`;
    }
  }
  return extra.length > 0 ? `${base} ${extra.join(' ')}` : base;
}
