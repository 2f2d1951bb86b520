import { analyzeTerms } from '../text/analyze-terms.js';
import type { Citation, Source } from '../types.js';

export interface CitedSentence {
  /** The sentence with its citation markers removed. */
  sentence: string;
  /** Source numbers it cites, unique, in order of appearance. */
  ns: number[];
}

export interface ParsedCitations {
  /** The answer with markers that point to no source removed (or trimmed to their valid numbers). */
  text: string;
  /** One per cited source, in order of first use. */
  citations: Citation[];
  /** Marker items ([9], or the 9 in [2, 9], or an overshooting range) that pointed to no source. */
  removedMarkers: number;
  citedSentences: CitedSentence[];
}

const SNIPPET_CHARS = 200;
const WORD_CHAR = /[\p{L}\p{N}]/u;
// [1], [1, 2], [1-3], [2][3] (two markers), and the "[source 1]" some models write. Not a Markdown link "[1](…)".
export const MARKER = /([ \t]*)\[((?:sources?\s*)?\d+(?:\s*[-–,]\s*(?:sources?\s*)?\d+)*)\](?!\()/gi;
// Code is left alone: `arr[0]` is an index, not a citation.
export const CODE = /```[\s\S]*?(?:```|$)|`[^`\n]*`/g;
// A sentence ends at . ! ? (plus markers written after it) followed by space, or at a line break.
const SENTENCE_BREAK = /(?<=[.!?]["'’)]*(?:[ \t]*\[[^\]\n]*\])*)[ \t]+|\n+/;

/** Finds citation markers in an answer, drops those that point to no source, and maps the rest to citations. */
export function parseCitations(answer: string, sources: Source[]): ParsedCitations {
  const byN = new Map(sources.map((s) => [s.n, s]));
  let removedMarkers = 0;
  let text = '';
  let last = 0;
  for (const code of [...answer.matchAll(CODE), null]) {
    const end = code ? code.index : answer.length;
    text += answer.slice(last, end).replace(MARKER, (whole, space: string, body: string) => {
      const { ns, removed } = resolveMarker(body, byN);
      removedMarkers += removed;
      if (removed === 0) return whole;
      return ns.length === 0 ? '' : `${space}[${ns.join(', ')}]`;
    });
    if (code) text += code[0];
    last = code ? code.index + code[0].length : end;
  }

  const citedSentences: CitedSentence[] = [];
  for (const piece of withoutCode(text).split(SENTENCE_BREAK)) {
    const ns = [...new Set([...piece.matchAll(MARKER)].flatMap((m) => resolveMarker(m[2]!, byN).ns))];
    const sentence = piece.replace(MARKER, '').replace(/\s+/g, ' ').trim();
    const previous = citedSentences.at(-1);
    // "Claim. [1] Next claim." — a marker opening a piece belongs to the sentence before it.
    if (/^\W*$/.test(sentence) && previous) previous.ns = [...new Set([...previous.ns, ...ns])];
    else if (ns.length > 0 && sentence) citedSentences.push({ sentence, ns });
    else if (sentence) citedSentences.push({ sentence, ns: [] });
  }
  const cited = citedSentences.filter((s) => s.ns.length > 0);

  const order = [...new Set(cited.flatMap((s) => s.ns))];
  const citations = order.map((n) => {
    const source = byN.get(n)!;
    const terms = new Set(cited.filter((s) => s.ns.includes(n)).flatMap((s) => analyzeTerms(s.sentence)));
    return {
      n,
      documentId: source.documentId,
      path: source.path,
      ...(source.page !== undefined ? { page: source.page } : {}),
      ...(source.heading !== undefined ? { heading: source.heading } : {}),
      snippet: bestSnippet(source.text, terms),
      score: source.score,
    };
  });
  return { text: text.trim(), citations, removedMarkers, citedSentences: cited };
}

/** Valid source numbers in a marker body, and how many of its items pointed (partly) to no source. */
export function resolveMarker(body: string, byN: Map<number, Source>): { ns: number[]; removed: number } {
  const ns: number[] = [];
  let removed = 0;
  for (const item of body.replace(/sources?/gi, '').split(',')) {
    const [a, b] = item.split(/[-–]/).map((x) => Number(x.trim()));
    if (b === undefined) {
      if (byN.has(a!)) ns.push(a!);
      else removed++;
      continue;
    }
    const [lo, hi] = a! <= b ? [a!, b] : [b, a!];
    const inRange = [...byN.keys()].filter((n) => n >= lo && n <= hi).sort((x, y) => x - y);
    if (inRange.length !== hi - lo + 1) removed++;
    ns.push(...inRange);
  }
  return { ns: [...new Set(ns)], removed };
}

function withoutCode(text: string): string {
  return text.replace(CODE, (code) => code.replace(/[^\n]/g, ' '));
}

/**
 * About SNIPPET_CHARS of the source around the densest run of the cited sentences' terms, cut at word
 * boundaries and started at its sentence when that fits, with "…" where text was left out.
 */
export function bestSnippet(text: string, terms: Set<string>): string {
  const clean = text.replace(/\s+/g, ' ').trim();
  if (clean.length <= SNIPPET_CHARS) return clean;
  const hits: Array<{ start: number; end: number; term: string }> = [];
  for (const m of clean.matchAll(/[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu)) {
    const term = analyzeTerms(m[0])[0];
    if (term !== undefined && terms.has(term)) hits.push({ start: m.index, end: m.index + m[0].length, term });
  }
  let from = 0;
  let to = 0;
  if (hits.length > 0) {
    // Two pointers: the window of hits spanning at most SNIPPET_CHARS with the most distinct terms.
    const counts = new Map<string, number>();
    let best = { distinct: 0, total: 0, i: 0, j: 0 };
    let i = 0;
    for (let j = 0; j < hits.length; j++) {
      counts.set(hits[j]!.term, (counts.get(hits[j]!.term) ?? 0) + 1);
      while (hits[j]!.end - hits[i]!.start > SNIPPET_CHARS) {
        const t = hits[i]!.term;
        if (counts.get(t) === 1) counts.delete(t);
        else counts.set(t, counts.get(t)! - 1);
        i++;
      }
      const total = j - i + 1;
      if (counts.size > best.distinct || (counts.size === best.distinct && total > best.total)) best = { distinct: counts.size, total, i, j };
    }
    from = hits[best.i]!.start;
    to = hits[best.j]!.end;
  }
  const slack = SNIPPET_CHARS - (to - from);
  const sentenceStart = Math.max(0, ...['. ', '? ', '! '].map((end) => clean.lastIndexOf(end, from)).filter((i) => i >= 0).map((i) => i + 2));
  from = from - sentenceStart <= slack ? sentenceStart : from - Math.floor(slack / 3);
  to = Math.min(clean.length, from + SNIPPET_CHARS);
  from = Math.max(0, Math.min(from, to - SNIPPET_CHARS));
  // Snap to word boundaries so no word is cut.
  const inWord = (at: number) => at > 0 && at < clean.length && WORD_CHAR.test(clean[at - 1]!) && WORD_CHAR.test(clean[at]!);
  while (inWord(from)) from++;
  while (inWord(to) && to > from + 1) to--;
  return `${from > 0 ? '…' : ''}${clean.slice(from, to).trim()}${to < clean.length ? '…' : ''}`;
}
