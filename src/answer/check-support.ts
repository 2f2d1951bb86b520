import { analyzeTerms } from '../text/analyze-terms.js';
import type { Source } from '../types.js';
import type { CitedSentence } from './parse-citations.js';

/**
 * Share of a sentence's content terms (stemmed, stopwords dropped) that must appear in the sources it cites.
 * A faithful paraphrase keeps most of the claim's nouns, numbers and key verbs while rewording the rest, and
 * stemming absorbs inflection, so supported sentences usually land at 0.6–1.0; a sentence that adds facts the
 * source lacks, or cites the wrong source, drops below half. 0.5 leans towards accepting paraphrase: the check
 * flags likely unsupported claims, it does not prove support (a flipped negation still passes).
 */
export const SUPPORT_THRESHOLD = 0.5;

export interface SentenceSupport extends CitedSentence {
  /** Share of the sentence's content terms found in the union of its cited sources. */
  coverage: number;
  /** Numbers in the sentence that none of its cited sources contains. */
  missingNumbers: string[];
  supported: boolean;
}

export interface SupportCheck {
  /** Per cited source number: true when every sentence citing it is supported and shares a term with it. */
  supported: Map<number, boolean>;
  /** Supported cited sentences / cited sentences; 0 when nothing was cited. */
  ratio: number;
  sentences: SentenceSupport[];
}

interface SourceIndex {
  terms: Set<string>;
  numbers: Set<string>;
}

/**
 * Lexical support of each cited sentence by its cited sources. A sentence citing several sources is checked
 * against their union, since one claim may combine facts from two; each cited source must still share at
 * least one content term with the sentence, so a stray citation does not ride on a good one. Every number in
 * the sentence must appear in a cited source: numbers are where paraphrase most often goes wrong.
 */
export function checkSupport({
  citedSentences,
  sources,
  threshold = SUPPORT_THRESHOLD,
}: {
  citedSentences: CitedSentence[];
  sources: Source[];
  threshold?: number;
}): SupportCheck {
  const index = new Map<number, SourceIndex>(sources.map((s) => [s.n, { terms: new Set(analyzeTerms(s.text)), numbers: numbersIn(s.text) }]));
  const supported = new Map<number, boolean>();
  const sentences: SentenceSupport[] = [];
  for (const cited of citedSentences) {
    const claim = cited.sentence.replace(/^\s*(?:[-*•]|\d+[.)])\s+/, ''); // a list bullet "2." is not a claim
    const terms = [...new Set(analyzeTerms(claim))];
    const cites = cited.ns.map((n) => index.get(n)).filter((s): s is SourceIndex => s !== undefined);
    const covered = terms.filter((t) => cites.some((s) => s.terms.has(t))).length;
    const coverage = terms.length === 0 ? 1 : covered / terms.length;
    const missingNumbers = [...numbersIn(claim)].filter((num) => !cites.some((s) => s.numbers.has(num)));
    const ok = cites.length > 0 && coverage >= threshold && missingNumbers.length === 0;
    sentences.push({ ...cited, coverage, missingNumbers, supported: ok });
    for (const n of cited.ns) {
      const own = index.get(n);
      const contributes = own !== undefined && (terms.length === 0 || terms.some((t) => own.terms.has(t)));
      supported.set(n, (supported.get(n) ?? true) && ok && contributes);
    }
  }
  const ratio = sentences.length === 0 ? 0 : sentences.filter((s) => s.supported).length / sentences.length;
  return { supported, ratio, sentences };
}

/** Numbers normalised so "1,000" = "1000" and "3.50" = "3.5". */
function numbersIn(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.matchAll(/\d+(?:[.,]\d+)*/g)) {
    const plain = m[0].replace(/,(?=\d{3}(?!\d))/g, '');
    const value = Number(plain);
    out.add(Number.isFinite(value) ? String(value) : plain);
  }
  return out;
}
