import type { Citation, Source } from '../types.js';
import { CODE, MARKER, resolveMarker } from './parse-citations.js';

export interface NumberedAnswer {
  answer: string;
  /** In order of first citation. */
  citations: Citation[];
  sources: Source[];
}

/**
 * Numbers the sources in the order the answer cites them, without gaps: the first source cited is [1], the
 * next new one [2], and so on; the markers in the text, the citations and the sources follow, and the source
 * list shows the cited sources first (then the uncited ones, in their rank order). Code spans keep their
 * brackets. Markers must already point only to listed sources (`parseCitations` removes the others).
 */
export function renumberCitations({ answer, citations, sources }: NumberedAnswer): NumberedAnswer {
  const renumber = new Map(citations.map((c, i) => [c.n, i + 1]));
  for (const s of sources) if (!renumber.has(s.n)) renumber.set(s.n, renumber.size + 1);
  const byN = new Map(sources.map((s) => [s.n, s]));
  let text = '';
  let last = 0;
  for (const code of [...answer.matchAll(CODE), null]) {
    const end = code ? code.index : answer.length;
    text += answer.slice(last, end).replace(MARKER, (whole, space: string, body: string) => {
      const ns = resolveMarker(body, byN).ns.map((n) => renumber.get(n)!);
      return ns.length ? `${space}[${[...new Set(ns)].sort((a, b) => a - b).join(', ')}]` : whole;
    });
    if (code) text += code[0];
    last = code ? code.index + code[0].length : end;
  }
  return {
    answer: text,
    citations: citations.map((c) => ({ ...c, n: renumber.get(c.n)! })),
    sources: sources.map((s) => ({ ...s, n: renumber.get(s.n)! })).sort((a, b) => a.n - b.n),
  };
}
