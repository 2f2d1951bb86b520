import type { Source } from '../types.js';
import type { QuotableUnit } from './quotable-units.js';

export interface Candidate {
  unit: QuotableUnit;
  source: Source;
  /** Index of the unit among its source's units. */
  position: number;
  score: number;
  terms: Set<string>;
  context: Set<string>;
  /** The question's terms this unit (or its heading) has; set by scoring. */
  hits: Set<string>;
}

// A sentence that opens with one of these leans on the one before it.
const REFERS_BACK = /^(?:it|its|this|that|these|those|they|their|he|his|she|her|however|but|also|then|there|such|so)\b/i;
// A neighbour joins a prose passage when it is at least this share as relevant as the anchor; rows of a
// table stand alone unless their neighbour is nearly as relevant (two editions of the same quota).
const NEIGHBOUR_SHARE = { sentence: 0.1, row: 0.8 };
// A second passage, from another source, must be nearly as good as the first and add question terms it lacks.
const SECOND_PASSAGE_SHARE = 0.75;

/**
 * The passages to quote, best first: the best unit and its consecutive neighbours in the same block of the
 * same source (a coherent passage rather than sentences scattered over many sources), and at most one more
 * passage from another source when it is nearly as good and covers something the first does not.
 */
export function pickPassages(candidates: Candidate[], { maxUnits, maxChars }: { maxUnits: number; maxChars: number }): Candidate[][] {
  const ranked = candidates.filter((c) => c.score > 0).sort((a, b) => b.score - a.score);
  const best = ranked[0];
  if (!best) return [];
  const first = grow(best, candidates, maxUnits, maxChars);
  const passages = [first];
  const chars = first.reduce((n, c) => n + c.unit.text.length, 0);
  const covered = new Set(first.flatMap((c) => [...c.hits]));
  const quoted = new Set(first.flatMap((c) => [...c.terms]));
  const second = ranked.find((c) => c.source.n !== best.source.n && c.score >= SECOND_PASSAGE_SHARE * best.score && [...c.hits].some((t) => !covered.has(t)) && overlap(c.terms, quoted) < 0.8);
  if (second && chars + second.unit.text.length <= maxChars) passages.push(grow(second, candidates, Math.max(1, maxUnits - first.length), maxChars - chars));
  return passages;
}

function grow(anchor: Candidate, candidates: Candidate[], maxUnits: number, maxChars: number): Candidate[] {
  const units = candidates.filter((c) => c.source === anchor.source).sort((a, b) => a.position - b.position);
  const at = units.indexOf(anchor);
  let lo = at;
  let hi = at;
  let chars = anchor.unit.text.length;
  const share = NEIGHBOUR_SHARE[anchor.unit.kind];
  // A unit follows on from its neighbour when they are adjacent in the source and of one paragraph, list or
  // table; a sentence that refers back may reach over a paragraph break to the sentence it leans on.
  const adjacent = (a: Candidate, b: Candidate) => b.position === a.position + 1 && (a.unit.block === b.unit.block || (b === anchor && a.unit.kind === 'sentence' && b.unit.kind === 'sentence'));
  while (hi - lo + 1 < maxUnits) {
    const before = units[lo - 1] !== undefined && adjacent(units[lo - 1]!, units[lo]!) ? units[lo - 1] : undefined;
    const after = units[hi + 1] !== undefined && units[hi + 1]!.unit.block === units[hi]!.unit.block && adjacent(units[hi]!, units[hi + 1]!) ? units[hi + 1] : undefined;
    const fits = (c: Candidate | undefined): c is Candidate => c !== undefined && chars + c.unit.text.length <= maxChars;
    const refersBack = lo === at && anchor.unit.kind === 'sentence' && REFERS_BACK.test(anchor.unit.text);
    const sameBlock = (c: Candidate) => c.unit.block === anchor.unit.block;
    const pick = refersBack && fits(before) ? before : [before, after].filter((c): c is Candidate => fits(c) && sameBlock(c) && c.score >= share * anchor.score).sort((a, b) => b.score - a.score)[0];
    if (!pick) break;
    chars += pick.unit.text.length;
    if (pick === before) lo--;
    else hi++;
  }
  return units.slice(lo, hi + 1);
}

function overlap(a: Set<string>, b: Set<string>): number {
  let n = 0;
  for (const t of a) if (b.has(t)) n++;
  return n / Math.max(1, Math.min(a.size, b.size));
}
