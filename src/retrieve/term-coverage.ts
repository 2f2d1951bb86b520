import type Database from 'better-sqlite3';
import { analyzeTerms } from '../text/analyze-terms.js';
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
export function createTermCoverage(db: Database.Database, { maxUnknownShare = MAX_UNKNOWN_SHARE } = {}) {
  ensureVocab(db);
  const total = () => (db.prepare('SELECT count(*) FROM chunks').pluck().get() as number) || 1;
  const df = db.prepare('SELECT doc FROM chunks_vocab WHERE term = ?').pluck();
  return (question: string): QuestionCoverage => {
    const n = total();
    const terms = [...new Set(analyzeTerms(question))];
    const counts = terms.map((t) => (df.get(t) as number | undefined) ?? 0);
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

function ensureVocab(db: Database.Database): void {
  if (!db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'chunks_vocab'").get()) {
    try {
      db.exec("CREATE VIRTUAL TABLE IF NOT EXISTS chunks_vocab USING fts5vocab(chunks_fts, 'row')");
    } catch {
      // A read-only or busy database: the same view in this connection's temp schema, which is always writable.
      db.exec("CREATE VIRTUAL TABLE IF NOT EXISTS temp.chunks_vocab USING fts5vocab(main, chunks_fts, 'row')");
    }
  }
}
