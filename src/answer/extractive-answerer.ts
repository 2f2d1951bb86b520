import { analyzeTerms } from '../text/analyze-terms.js';
import type { AnswerResult, Citation } from '../types.js';
import type { Answerer, AnswerInput } from './answerer.js';
import { notFoundAnswer } from './not-found-answer.js';
import { pickPassages, type Candidate } from './pick-passages.js';
import { quotableUnits } from './quotable-units.js';
import { renumberCitations } from './renumber-citations.js';
import { rewriteQueryOffline } from './rewrite-query-offline.js';

export const EXTRACTIVE_MODEL_ID = 'extractive';

/**
 * The offline answerer: quotes the passage of the top sources that best covers the question — a sentence and
 * its neighbours from one source, or a table row with its column headers — and cites it. It never writes a
 * word of its own (nor a full stop), so every claim is what a source says; it cannot synthesise across
 * sources or answer what no passage states. Whether the question is answerable at all is the retrieval gate's
 * call (src/retrieve/coverage-gate.ts), not this answerer's.
 */
export function createExtractiveAnswerer({ maxUnits = 3, maxChars = 700 } = {}): Answerer {
  return {
    modelId: EXTRACTIVE_MODEL_ID,
    async rewriteQuery(question, history) {
      return { query: rewriteQueryOffline(question, history), inputTokens: 0, outputTokens: 0 };
    },
    async answer({ question, sources, onToken }: AnswerInput): Promise<AnswerResult> {
      const candidates: Candidate[] = sources.flatMap((source) => {
        // The section heading is the unit's context: "25 days per calendar year" under "Vacation" answers a vacation question.
        const context = new Set(analyzeTerms(source.heading ?? ''));
        return quotableUnits(source.text, source.heading?.split(' > ') ?? []).map((unit, position) => ({ unit, source, position, score: 0, terms: new Set(analyzeTerms(unit.text)), context, hits: new Set<string>() }));
      });
      score(question, candidates);
      const passages = pickPassages(candidates, { maxUnits, maxChars });
      if (!passages.length) return notFoundAnswer(sources, EXTRACTIVE_MODEL_ID);

      const parts: string[] = [];
      const citations: Citation[] = [];
      for (const passage of passages) {
        const source = passage[0]!.source;
        parts.push(`${joinUnits(passage.map((c) => c.unit.text))} [${source.n}]`);
        citations.push({
          n: source.n,
          documentId: source.documentId,
          path: source.path,
          ...(source.page !== undefined ? { page: source.page } : {}),
          ...(source.heading ? { heading: source.heading } : {}),
          snippet: snippetOf(passage),
          score: source.score,
          supported: true,
        });
      }
      const numbered = renumberCitations({ answer: parts.join(' '), citations, sources });
      onToken?.(numbered.answer);
      return { ...numbered, found: true, usage: { inputTokens: 0, outputTokens: 0, embeddingTokens: 0 }, model: EXTRACTIVE_MODEL_ID };
    },
  };
}

/** The passage's source text; " … " where it leaves out what lies between two paragraphs (a list bullet, a blank line). */
function snippetOf(passage: Candidate[]): string {
  return passage.map((c, i) => (i > 0 && c.unit.paragraph !== passage[i - 1]!.unit.paragraph ? ` … ${c.unit.raw}` : i > 0 ? ` ${c.unit.raw}` : c.unit.raw)).join('');
}

/** Units kept verbatim: a unit that ends without punctuation (a list item, a table row) ends its line instead. */
function joinUnits(texts: string[]): string {
  return texts.reduce((out, text) => (!out ? text : /[.!?:;,)"'’”]$/.test(out) ? `${out} ${text}` : `${out}\n${text}`), '');
}

/**
 * Weighted coverage of the question's terms (rare among the candidates weighs most; a heading term counts
 * half) times the square root of the share of distinct terms matched, so one rare word ("long" in "how
 * long") does not outrank a unit that has the question's subject. A small prior favours better-ranked
 * sources and penalises run-on units.
 */
// "How long / how many / how much / how often / what percentage…" asks for an amount: a unit that states one
// ("30 days", "$500", "twice a year") answers it, one that only shares the subject's words does not.
const ASKS_QUANTITY = /^\s*(?:how (?:long|many|much|often|far|big|large|old|soon)|what (?:percentage|share|amount|size|limit)|when)\b/i;
const QUANTITY = /\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|thousand|once|twice|daily|weekly|monthly|annually|yearly)\b/i;

function score(question: string, candidates: Candidate[]): void {
  const qTerms = [...new Set(analyzeTerms(question))];
  const weight = new Map(qTerms.map((t) => [t, Math.log(1 + candidates.length / (1 + candidates.filter((c) => c.terms.has(t)).length))]));
  const total = [...weight.values()].reduce((a, b) => a + b, 0) || 1;
  const wantsQuantity = ASKS_QUANTITY.test(question);
  for (const c of candidates) {
    let covered = 0;
    let matched = 0;
    for (const t of qTerms) {
      if (c.terms.has(t)) {
        covered += weight.get(t)!;
        matched++;
        c.hits.add(t);
      } else if (c.context.has(t)) {
        covered += weight.get(t)! / 2;
        matched += 0.5;
        c.hits.add(t);
      }
    }
    const coordination = Math.sqrt(matched / Math.max(1, qTerms.length));
    const answersKind = wantsQuantity && QUANTITY.test(c.unit.text) ? 1.3 : 1;
    c.score = (covered / total) * coordination * answersKind * (1 - 0.04 * (c.source.n - 1)) * (c.unit.text.length > 400 ? 0.85 : 1);
  }
}

