import { analyzeTerms } from '../text/analyze-terms.js';
import type { KbStore } from '../store/kb-store.js';
import { MAX_UNKNOWN_SHARE } from './coverage-gate.js';

export interface QuestionCoverage {
  /** Share of the question covered by `text` (0..1); 0 for every text when the question is off the corpus. */
  (text: string): number;
  /** IDF-weighted share of the question's terms that occur nowhere in the knowledge base. */
  unknownShare: number;
  /** The covered share without the unknown-term gate. */
  raw(text: string): number;
}

/**
 * How much of the question a text covers: the IDF-weighted share of the question's content terms that
 * occur in it (0..1). Rare terms weigh most, so "What is the notice period?" is covered by a chunk that
 * says "notice period", not by one that only says "what". Terms absent from the whole corpus count with the
 * highest weight: a question about something the knowledge base never mentions scores low, and one that is
 * mostly about such things ("What is the speed of light?" over a software guide that says "speed") scores 0.
 */
export function createTermCoverage(store: Pick<KbStore, 'termStats'>, { maxUnknownShare = MAX_UNKNOWN_SHARE } = {}) {
  return async (question: string): Promise<QuestionCoverage> => {
    const terms = [...new Set(analyzeTerms(question))];
    const { chunks, documentFrequency } = await store.termStats(terms);
    const n = chunks || 1;
    const counts = terms.map((t) => documentFrequency.get(t) ?? 0);
    const weights = counts.map((d) => Math.log(1 + (n - d + 0.5) / (d + 0.5)));
    const sum = weights.reduce((a, b) => a + b, 0) || 1;
    const unknownShare = counts.reduce((s, d, i) => (d === 0 ? s + weights[i]! : s), 0) / sum;
    const raw = (text: string): number => {
      if (!terms.length) return 0;
      const have = new Set(analyzeTerms(text));
      let covered = 0;
      terms.forEach((t, i) => {
        if (have.has(t)) covered += weights[i]!;
      });
      return covered / sum;
    };
    const offCorpus = terms.length > 0 && unknownShare >= maxUnknownShare;
    return Object.assign((text: string) => (offCorpus ? 0 : raw(text)), { unknownShare, raw });
  };
}
