import { stemmer } from 'stemmer';
import { STOPWORDS } from '../../text/stopwords.js';
import { words } from '../../text/analyze-terms.js';

// SQLite's `porter unicode61 remove_diacritics 2`: runs of letters, digits and private-use characters,
// case-folded, diacritics removed, Porter-stemmed when 3 to 64 bytes long (fts5_tokenize.c).
const TOKEN = /[\p{L}\p{N}\p{Co}]+/gu;
const MAX_PORTER_BYTES = 64;
const cache = new Map<string, string>();
// Lower case and case folding differ for a few letters (micro sign, final sigma, Greek symbol variants, long s).
const FOLDS_APART = /[\u00b5\u017f\u03c2\u03d0\u03d1\u03d5\u03d6\u03f0\u03f1\u03f5\u1e9b\u1fbe]/gu;
const fold = (c: string): string => c.toUpperCase().toLowerCase();
// remove_diacritics works on Latin letters only (Greek and Cyrillic keep theirs; decomposing Hangul would split it).
const ACCENTED = /[\u00c0-\u024f\u1e00-\u1eff]/gu;
// Combining diacritics are part of tokens and removed wherever they stand (so "İ", lower-cased "i̇", is "i").
const COMBINING = /[\u0300-\u036f]/g;
const stripDiacritics = (c: string): string => c.normalize('NFD').replace(/[\u0300-\u036f]/g, '');

/** Every token of a text as SQLite's FTS5 tokenizer of the chunks table produces it, stopwords included. */
export function ftsTokens(text: string): string[] {
  const folded = text.toLowerCase().replace(FOLDS_APART, fold).replace(ACCENTED, stripDiacritics).replace(COMBINING, '');
  const out: string[] = [];
  for (const [token] of folded.matchAll(TOKEN)) out.push(porter(token));
  return out;
}

/**
 * The terms of a keyword question, with repeats: the content words the SQLite store ORs into its FTS5 query
 * (see buildFtsQuery), each analysed like the indexed text. Two words with one stem count twice, as two
 * FTS5 phrases would.
 */
export function queryTerms(question: string, maxTerms = 32): string[] {
  const picked = [...new Set(words(question).filter((w) => !STOPWORDS.has(w) && (w.length > 1 || /\d/.test(w))))].slice(0, maxTerms);
  return picked.flatMap((w) => ftsTokens(w));
}

/**
 * Term frequencies of a chunk for the BM25 tables: per term, its occurrences in the context (title and heading
 * path) and body together (`tf`) and in the context alone (`contextTf`); the length is every token of both.
 */
export function termFrequencies(context: string, text: string): { length: number; tf: Map<string, { tf: number; contextTf: number }> } {
  const tf = new Map<string, { tf: number; contextTf: number }>();
  let length = 0;
  for (const [field, inContext] of [[context, 1], [text, 0]] as const) {
    const tokens = ftsTokens(field);
    length += tokens.length;
    for (const t of tokens) {
      const n = tf.get(t) ?? { tf: 0, contextTf: 0 };
      n.tf++;
      n.contextTf += inContext;
      tf.set(t, n);
    }
  }
  return { length, tf };
}

function porter(token: string): string {
  let stem = cache.get(token);
  if (stem === undefined) {
    const bytes = Buffer.byteLength(token);
    stem = bytes < 3 || bytes > MAX_PORTER_BYTES ? token : stemmer(token);
    if (cache.size > 200_000) cache.clear();
    cache.set(token, stem);
  }
  return stem;
}
