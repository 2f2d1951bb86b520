import { stemmer } from 'stemmer';
import { STOPWORDS } from './stopwords.js';

// Letters and digits in any script; apostrophes inside words are dropped so "employee's" -> "employees".
const WORD = /[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu;

/** Lower-cased words in order, stopwords kept (callers that need phrases want them). */
export function words(text: string): string[] {
  const out: string[] = [];
  for (const match of text.toLowerCase().normalize('NFKC').matchAll(WORD)) out.push(match[0].replace(/['’]/g, ''));
  return out;
}

const stemCache = new Map<string, string>();

/** Porter stem with a bounded memo: indexing stems the same few thousand words millions of times. */
export function stem(word: string): string {
  let s = stemCache.get(word);
  if (s === undefined) {
    s = /^[a-z]+$/.test(word) ? stemmer(word) : word;
    if (stemCache.size > 200_000) stemCache.clear();
    stemCache.set(word, s);
  }
  return s;
}

/** Content terms: words without stopwords or one-letter tokens, stemmed, in order. */
export function analyzeTerms(text: string): string[] {
  const out: string[] = [];
  for (const w of words(text)) {
    if (w.length < 2 && !/\d/.test(w)) continue;
    if (STOPWORDS.has(w)) continue;
    out.push(stem(w));
  }
  return out;
}
