import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { ftsTokens, queryTerms } from '../src/store/postgres/fts-tokens.js';
import { DATA_DIR } from './temp-dir.js';

/** The tokens SQLite's FTS5 (the tokenizer of the chunks table) makes of each text, in order. */
function sqliteTokens(texts: string[]): string[][] {
  const db = new Database(':memory:');
  db.exec("CREATE VIRTUAL TABLE f USING fts5(t, tokenize='porter unicode61 remove_diacritics 2'); CREATE VIRTUAL TABLE v USING fts5vocab(f, 'instance');");
  const insert = db.prepare('INSERT INTO f(rowid, t) VALUES (?, ?)');
  texts.forEach((t, i) => insert.run(i + 1, t));
  const rows = db.prepare('SELECT doc, term FROM v ORDER BY doc, offset').all() as Array<{ doc: number; term: string }>;
  db.close();
  return texts.map((_, i) => rows.filter((r) => r.doc === i + 1).map((r) => r.term));
}

const textFiles = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? textFiles(join(dir, f)) : /\.(md|txt|html)$/.test(f) ? [join(dir, f)] : []));

it('tokenizes the sample documents exactly as SQLite FTS5 porter unicode61 does (the BM25 of both stores sees the same terms)', () => {
  const texts = textFiles(DATA_DIR).map((f) => readFileSync(f, 'utf8'));
  expect(texts.length).toBeGreaterThan(3);
  const expected = sqliteTokens(texts);
  texts.forEach((t, i) => expect(ftsTokens(t)).toEqual(expected[i]));
});

it('folds case and diacritics like FTS5, including letters whose lower case is not their case fold', () => {
  const text = 'Café naïve ÄRGER İstanbul µg 15µm σοφος ς ά й Å ǖ x_y o\'neil 中文字 한국어 हिन्दी 2024-01-05 COVID-19';
  expect(ftsTokens(text)).toEqual(sqliteTokens([text])[0]);
});

it('turns a question into the content terms the SQLite store ORs into its FTS5 query, stemmed, repeats kept', () => {
  expect(queryTerms('What is the notice period for running and runs?')).toEqual(['notic', 'period', 'run', 'run']);
  expect(queryTerms('the of and')).toEqual([]);
});
