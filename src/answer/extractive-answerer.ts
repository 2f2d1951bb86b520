import { analyzeTerms } from '../text/analyze-terms.js';
import type { AnswerResult, Citation, Source } from '../types.js';
import type { Answerer, AnswerInput } from './answerer.js';
import { notFoundAnswer } from './not-found-answer.js';
import { rewriteQueryOffline } from './rewrite-query-offline.js';
import { splitSentences } from './split-sentences.js';

export const EXTRACTIVE_MODEL_ID = 'extractive';

/**
 * The offline answerer: picks the sentences of the top sources that best cover the question, keeps them
 * verbatim and cites each. It never writes a word of its own, so every claim is exactly what a source says;
 * it cannot synthesise across sources or answer what no single sentence states.
 */
export function createExtractiveAnswerer({ maxSentences = 3, maxChars = 700, minScore = 0.15 } = {}): Answerer {
  return {
    modelId: EXTRACTIVE_MODEL_ID,
    async rewriteQuery(question, history) {
      return { query: rewriteQueryOffline(question, history), inputTokens: 0, outputTokens: 0 };
    },
    async answer({ question, sources, onToken }: AnswerInput): Promise<AnswerResult> {
      const qTerms = [...new Set(analyzeTerms(question))];
      const candidates: Array<{ sentence: string; source: Source; score: number; terms: Set<string>; context: Set<string> }> = [];
      for (const source of sources) {
        // The section heading is the sentence's context: "25 days per calendar year" under "Vacation" answers a vacation question.
        const context = new Set(analyzeTerms(source.heading ?? ''));
        for (const sentence of splitSentences(source.text)) {
          // Leading structure is not part of the claim (heading marks, bullets, list numbers, checkboxes); the rest stays verbatim.
          const clean = sentence.replace(/^#+\s*/, '').replace(/^([-*•]|\d+[.)])\s+/, '').replace(/^\[[ x]\]\s*/i, '').trim();
          if (clean.split(/\s+/).length < 4 || /^\|?[\s:|-]+\|?$/.test(clean)) continue; // headings, fragments and table rules answer nothing
          // A table row states a fact when it carries a value ("| Application logs | 90 days |"); rows of titles
          // (a table of contents) only look relevant.
          if (clean.startsWith('|') && !/\d/.test(clean)) continue;
          candidates.push({ sentence: clean, source, score: 0, terms: new Set(analyzeTerms(clean)), context });
        }
      }
      // Terms rare among the candidate sentences discriminate; a term in every sentence says little.
      const weight = new Map(qTerms.map((t) => [t, Math.log(1 + candidates.length / (1 + candidates.filter((c) => c.terms.has(t)).length))]));
      const total = [...weight.values()].reduce((a, b) => a + b, 0) || 1;
      for (const c of candidates) {
        let covered = 0;
        let matched = 0;
        for (const t of qTerms) {
          if (c.terms.has(t)) {
            covered += weight.get(t)!;
            matched++;
          } else if (c.context.has(t)) {
            covered += weight.get(t)! / 2;
            matched += 0.5;
          }
        }
        // Weighted coverage times the square root of the share of distinct terms matched: one rare word
        // ("long" in "how long") must not outrank a sentence that has the question's subject.
        const coordination = Math.sqrt(matched / Math.max(1, qTerms.length));
        // A small prior for better-ranked sources and against run-on passages.
        c.score = (covered / total) * coordination * (1 - 0.04 * (c.source.n - 1)) * (c.sentence.length > 400 ? 0.85 : 1);
      }
      candidates.sort((a, b) => b.score - a.score);
      const picked: typeof candidates = [];
      let chars = 0;
      // Further sentences must be nearly as good as the best one: a weak runner-up is noise, not support.
      const floor = Math.max(minScore, 0.6 * (candidates[0]?.score ?? 0));
      for (const c of candidates) {
        if (c.score < floor || picked.length >= maxSentences || chars + c.sentence.length > maxChars && picked.length) break;
        if (picked.some((p) => overlap(p.terms, c.terms) > 0.8)) continue;
        picked.push(c);
        chars += c.sentence.length;
      }
      if (!picked.length) return notFoundAnswer(sources, EXTRACTIVE_MODEL_ID);

      const text = picked.map((p) => `${/[.!?]$/.test(p.sentence) ? p.sentence : `${p.sentence}.`} [${p.source.n}]`).join(' ');
      onToken?.(text);
      const citations: Citation[] = [];
      for (const p of picked) {
        const existing = citations.find((c) => c.n === p.source.n);
        if (existing) existing.snippet += ` … ${p.sentence}`;
        else citations.push({ n: p.source.n, documentId: p.source.documentId, path: p.source.path, ...(p.source.page !== undefined ? { page: p.source.page } : {}), ...(p.source.heading ? { heading: p.source.heading } : {}), snippet: p.sentence, score: p.source.score, supported: true });
      }
      return { answer: text, found: true, citations, sources, usage: { inputTokens: 0, outputTokens: 0, embeddingTokens: 0 }, model: EXTRACTIVE_MODEL_ID };
    },
  };
}

function overlap(a: Set<string>, b: Set<string>): number {
  let n = 0;
  for (const t of a) if (b.has(t)) n++;
  return n / Math.max(1, Math.min(a.size, b.size));
}
